/* Card payments in the portal (plugins/payments/portal.py).
 *
 * Stripe.js collects card numbers; this page never sees them. A new card is
 * saved first (SetupIntent: ask the server for one, Stripe.js
 * confirmCardSetup, tell the server), then the form is sent naming the saved
 * card. The server takes amounts from its own records only.
 */
(function () {
  "use strict";

  function csrf(form) {
    var field = form && form.querySelector("input[name=csrf_token]");
    if (field) return field.value;
    var any = document.querySelector("input[name=csrf_token]");
    return any ? any.value : "";
  }

  /* A text the page gave in the reader's language (data-msg-<name> on the box or around it), else English. */
  function msg(el, name, fallback) {
    var attr = "data-msg-" + name;
    var holder = el && el.closest ? el.closest("[" + attr + "]") : null;
    return (holder && holder.getAttribute(attr)) || fallback;
  }

  /* Stripe.js's own texts (card field placeholders, its errors) in the page's language when it has them. */
  function stripeOptions() {
    var lang = (document.documentElement.lang || "").toLowerCase().split("-")[0];
    return { locale: ["en", "es", "fr"].indexOf(lang) >= 0 ? lang : "auto" };
  }

  function postJSON(url, token, body, box) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token, "Accept": "application/json" },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || data.error) {
          var message = (data.error && data.error.message) || msg(box, "failed", "Something went wrong. Reload the page and try again.");
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function showError(box, message) {
    var el = box.querySelector("[data-card-error]");
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
  }

  function unlock(form) {
    delete form.dataset.sent;
    form.querySelectorAll("[aria-disabled]").forEach(function (b) { b.removeAttribute("aria-disabled"); });
  }

  /* The card element of a [data-new-card] box: mounted once, shown when chosen. */
  function setUpNewCard(box) {
    if (typeof Stripe !== "function") return null;
    var stripe = Stripe(box.dataset.key, stripeOptions());
    var element = stripe.elements().create("card");
    element.mount(box.querySelector("[data-card-element]"));
    box.querySelectorAll("input").forEach(function (input) {
      if (!input.getAttribute("aria-label") && input.placeholder) {
        input.setAttribute("aria-label", msg(box, "card-field", "Card %(field)s").replace("%(field)s", input.placeholder.replace("_", " ")));
      }
    });
    return {
      box: box,
      save: function (form) {
        var token = csrf(form);
        return postJSON(box.dataset.setupUrl, token, {}, box).then(function (setup) {
          return stripe.confirmCardSetup(setup.client_secret, { payment_method: { card: element } });
        }).then(function (result) {
          if (result.error) throw new Error(result.error.message || msg(box, "not-accepted", "Your card was not accepted."));
          return postJSON(box.dataset.confirmUrl, token, { setup_intent: result.setupIntent.id }, box);
        });
      },
    };
  }

  function busy(form, on) {
    var button = form.querySelector("button[type=submit]");
    if (button) button.setAttribute("aria-busy", on ? "true" : "false");
  }

  /* The pay form: a saved card posts as is; a new card is saved first. */
  document.querySelectorAll("[data-pay-form]").forEach(function (form) {
    var box = form.querySelector("[data-new-card]");
    var card = box ? setUpNewCard(box) : null;
    var newChoice = form.querySelector("[data-new-card-choice]");

    function toggle() {
      if (box) box.hidden = !(newChoice && newChoice.checked);
    }
    form.querySelectorAll("input[name=card]").forEach(function (r) { r.addEventListener("change", toggle); });
    toggle();

    form.addEventListener("submit", function (event) {
      if (!newChoice || !newChoice.checked || newChoice.value !== "new") return;
      event.preventDefault();
      if (!card) { showError(box, "Card entry did not load. Reload the page, or choose a saved card."); return; }
      if (form.dataset.saving) return;
      form.dataset.saving = "1";
      showError(box, "");
      busy(form, true);
      card.save(form).then(function (saved) {
        newChoice.value = saved.card;
        form.submit();
      }).catch(function (error) {
        delete form.dataset.saving;
        busy(form, false);
        unlock(form);
        showError(box, error.message);
      });
    });

    /* Select all, and the total of the chosen invoices. */
    var all = form.querySelector("[data-select-all]");
    var boxes = form.querySelectorAll("input[name=invoice][type=checkbox]");
    var total = form.querySelector("[data-total]");
    var payButton = form.querySelector("[data-pay]");
    var formatter = null;
    try {
      formatter = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "currency", currency: form.dataset.currency || "USD" });
    } catch (e) { formatter = null; }
    function refresh() {
      if (!boxes.length) return;
      var sum = 0, checked = 0;
      boxes.forEach(function (b) { if (b.checked) { sum += parseInt(b.dataset.amount, 10) || 0; checked += 1; } });
      if (all) all.checked = checked === boxes.length;
      if (formatter && total) {
        var text = formatter.format(sum / Math.pow(10, parseInt(form.dataset.exponent || "2", 10)));
        total.textContent = text;
        if (payButton) payButton.textContent = (form.dataset.payLabel || "Pay %(amount)s").replace("%(amount)s", text);
      }
    }
    if (all) {
      all.hidden = false;
      var label = form.querySelector("[data-select-all-label]");
      if (label) label.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        refresh();
      });
    }
    boxes.forEach(function (b) { b.addEventListener("change", refresh); });
  });

  /* Payment methods: add a card, then reload the list. */
  document.querySelectorAll("[data-add-card-form]").forEach(function (form) {
    var box = form.querySelector("[data-new-card]");
    var card = box ? setUpNewCard(box) : null;
    var button = form.querySelector("[data-add-card]");
    if (button && card) button.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!card || form.dataset.saving) return;
      form.dataset.saving = "1";
      showError(box, "");
      busy(form, true);
      card.save(form).then(function () {
        window.location.assign(window.location.pathname + "?done=added");
      }).catch(function (error) {
        delete form.dataset.saving;
        busy(form, false);
        showError(box, error.message);
      });
    });
  });

  /* The result page when the bank asks the customer to authenticate. */
  document.querySelectorAll("[data-confirm-payment]").forEach(function (box) {
    var button = box.querySelector("[data-confirm-button]");
    if (typeof Stripe !== "function" || !button) return;
    var stripe = Stripe(box.dataset.key, stripeOptions());
    button.addEventListener("click", function () {
      button.setAttribute("aria-disabled", "true");
      stripe.confirmCardPayment(box.dataset.clientSecret).then(function (result) {
        if (result.error) showError(box, result.error.message || msg(box, "not-confirmed", "Your bank did not confirm the payment."));
        window.location.reload();
      });
    });
  });
})();
