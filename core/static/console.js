// The staff console's progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Invite email editor: re-render the preview frame as staff type, by pressing
  // the form's own "Preview" button (it posts the draft into the frame).
  document.querySelectorAll("form[data-live-preview]").forEach(function (form) {
    var button = form.querySelector("[data-preview-button]");
    if (!button || typeof form.requestSubmit !== "function") return;
    var timer = null;
    function refresh() {
      timer = null;
      form.requestSubmit(button);
    }
    form.addEventListener("input", function () {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    });
    // Saving (or sending) replaces the page: a preview still waiting must not race it.
    form.addEventListener("submit", function (event) {
      if (event.submitter !== button && timer) {
        window.clearTimeout(timer);
        timer = null;
      }
    });
    // The frame first shows the saved text; after a refused save the form holds a draft.
    if (form.querySelector("[aria-invalid=true]")) refresh();
  });

  // Branding: a colour picker beside the #rrggbb field, kept in step both ways.
  document.querySelectorAll("input[type=color][data-mirrors]").forEach(function (picker) {
    var text = document.getElementById(picker.getAttribute("data-mirrors"));
    if (!text) return;
    picker.addEventListener("input", function () { text.value = picker.value; });
    text.addEventListener("input", function () {
      if (/^#[0-9a-fA-F]{6}$/.test(text.value)) picker.value = text.value.toLowerCase();
    });
  });

  // API client secret: a Copy button beside each credential field (selecting the field works without it).
  document.querySelectorAll("input[data-copy-source]").forEach(function (field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy " + (field.labels && field.labels[0] ? field.labels[0].textContent.toLowerCase() : "the value"));
    var status = document.createElement("span");
    status.setAttribute("role", "status");
    status.className = "muted";
    button.addEventListener("click", function () {
      field.select();
      var done = function () { status.textContent = " Copied."; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () { status.textContent = " Press Ctrl+C (Cmd+C) to copy."; });
      } else {
        status.textContent = " Press Ctrl+C (Cmd+C) to copy.";
      }
    });
    field.insertAdjacentElement("afterend", status);
    field.insertAdjacentElement("afterend", button);
  });
})();
