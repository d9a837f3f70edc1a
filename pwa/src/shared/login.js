// The login form both front ends use: email and password, the session through api.js, and the
// refusal in an alert. Each app says its words and what happens once someone is signed in.
import { logIn } from "./api.js";
import { el } from "./dom.js";

/**
 * `labels`: {email, password, logIn}; `describeFailure(error)` → the sentence for a refused or
 * failed login; `onSignedIn(user)` → nothing, or a sentence when this user may not use this app.
 */
export function loginForm({ labels, message, describeFailure, onSignedIn }) {
  const email = el("input", { id: "email", type: "email", autocomplete: "username", required: true });
  const password = el("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const error = el("p", { class: "error", role: "alert" }, message ?? "");
  const submit = async (event) => {
    event.preventDefault();
    try {
      const refusal = await onSignedIn(await logIn(email.value.trim(), password.value));
      if (refusal) error.textContent = refusal;
    } catch (failure) {
      error.textContent = describeFailure(failure);
    }
  };
  const form = el(
    "form",
    { class: "login", on: { submit } },
    el("label", { for: "email" }, labels.email),
    email,
    el("label", { for: "password" }, labels.password),
    password,
    el("button", { type: "submit" }, labels.logIn),
    error,
  );
  return { form, focus: () => email.focus() };
}
