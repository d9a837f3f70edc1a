"""Documents OnSite hands out, laid out from plain data: the service report PDF."""
