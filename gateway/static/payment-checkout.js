// The checkout page (issue 11): Stripe.js makes a PaymentMethod of the card (the local
// server's stand-in has none: it makes a card token, whose card id Stripe also takes), the
// server confirms it (/confirmation), 3-D Secure is finished with Stripe.js, then the result.
(function () {
  "use strict";
  const form = document.getElementById("checkout");
  if (!form) { return; }
  const stripe = window.Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const shown = document.getElementById("payment-error");
  const confirmUrl = "/api/v1/payments/" + encodeURIComponent(form.dataset.paymentId) + "/confirmation";

  async function methodOf() {
    const made = await stripe.createPaymentMethod({ type: "card", card: card });
    if (made && made.paymentMethod) { return made.paymentMethod.id; }
    const token = await stripe.createToken(card);
    if (token && token.token) { return token.token.card.id; }
    throw new Error((token && token.error && token.error.message) || "card");
  }

  async function confirm(paymentMethod) {
    const answer = await fetch(confirmUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify({ payment_method: paymentMethod })
    });
    return { status: answer.status, body: await answer.json() };
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    shown.hidden = true;
    try {
      const paymentMethod = await methodOf();
      let answer = await confirm(paymentMethod);
      if (answer.status === 200 && answer.body.status === "requires_action") {
        // 3-D Secure: the holder authenticates with the bank through Stripe.js; a failure
        // comes back as an error (Stripe) or as an intent that wants a card again (the
        // local stand-in), and the payment stays open for another try
        const done = await stripe.confirmCardPayment(answer.body.client_secret);
        const intent = done.paymentIntent;
        if (done.error || (intent && intent.status === "requires_payment_method")) {
          throw new Error(form.dataset.authenticationFailed);
        }
        answer = await confirm(paymentMethod);
      }
      if (answer.status === 200 && answer.body.status !== "requires_action") {
        window.location.assign(form.dataset.result);
        return;
      }
      throw new Error((answer.body.error && answer.body.error.message) || form.dataset.declined);
    } catch (error) {
      shown.textContent = error.message || form.dataset.declined;
      shown.hidden = false;
    }
  });
}());
