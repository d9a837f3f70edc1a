"""Request and response schemas, one module per resource (each shape defined once, with the plain
dict builder a view fills it from): they validate at the edge and generate the OpenAPI document.
`common` holds the field types, `lists` the paging query and list envelope, `errors` the error shape."""
