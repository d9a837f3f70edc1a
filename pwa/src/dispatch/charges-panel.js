// A job's charges and service report on the console's job screen: the charges (an estimate while the
// job is open, final once completed), the payment if recorded, a button to record that the customer
// is invoiced, and the service report PDF.
import { ApiError, change, request } from "../shared/api.js";
import { chargesTable, money } from "../shared/charges.js";
import { el } from "../shared/dom.js";
import { mayDo } from "../shared/workflow.js";
import { showErrors } from "./common.js";
import { currentLanguage, t } from "./i18n.js";

function paymentText(payment) {
  const amount = money(payment.amount, payment.currency, currentLanguage());
  if (payment.kind === "invoiced") return t("charges.invoiced", { amount, reference: payment.reference ?? "—" });
  return t("charges.paidOnSite", { amount, method: t(`charges.method.${payment.method}`) });
}

export async function chargesPanel(ctx, job) {
  let charges;
  try {
    charges = await request("GET", `/work-orders/${job.id}/charges`);
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
  // The report the customer may have (meta's customer_report): a final one, not one of work in hand.
  const report = mayDo("customer_report", job, ctx.meta, "customer")
    ? el(
        "p",
        {},
        el(
          "a",
          { href: `/api/v1/work-orders/${job.id}/report.pdf`, target: "_blank", rel: "noopener" },
          t("charges.report"),
        ),
      )
    : null;
  const heading = el("h3", { id: "charges-title" }, t("charges.title"));
  if (!charges.chargeable) {
    const why = t(`charges.reason.${charges.reason}`);
    return el("section", { class: "panel", "aria-labelledby": "charges-title" }, heading, el("p", {}, why), report);
  }
  const feedback = el("div", { class: "error", role: "alert" });
  const reference = el("input", { id: "invoice-reference", maxlength: 100 });
  const invoice = async () => {
    try {
      const body = { kind: "invoiced" };
      if (reference.value.trim()) body.reference = reference.value.trim();
      await change("POST", `/work-orders/${job.id}/payment`, body);
      ctx.render();
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  const payable = mayDo("pay", job, ctx.meta, ctx.user.role) && !charges.payment;
  return el(
    "section",
    { class: "panel", "aria-labelledby": "charges-title" },
    heading,
    chargesTable(
      charges,
      (key, values) => t(`charges.${key}`, values),
      currentLanguage(),
      charges.state === "final" ? t("charges.final") : t("charges.estimate"),
    ),
    charges.unpriced_skus.length
      ? el("p", { class: "late" }, t("charges.unpriced", { skus: charges.unpriced_skus.join(", ") }))
      : null,
    charges.payment ? el("p", { role: "status" }, paymentText(charges.payment)) : null,
    payable
      ? el(
          "div",
          { class: "row" },
          el("label", { for: "invoice-reference" }, t("charges.reference")),
          reference,
          el("button", { type: "button", on: { click: invoice } }, t("charges.invoice")),
        )
      : null,
    feedback,
    report,
  );
}
