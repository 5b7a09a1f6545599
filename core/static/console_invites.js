// Customers list and portal invites (core/console/invites.py); every page works without it.
(function () {
  "use strict";

  // "Select every customer on this page": a checkbox hidden until this script runs.
  document.querySelectorAll("input[type=checkbox][data-select-all]").forEach(function (all) {
    var form = all.form;
    var name = all.getAttribute("data-select-all");
    if (!form) return;
    function boxes() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.type === "checkbox" && el.name === name;
      });
    }
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target === all || event.target.name !== name) return;
      var list = boxes();
      var ticked = list.filter(function (box) { return box.checked; }).length;
      all.checked = ticked === list.length;
      all.indeterminate = ticked > 0 && ticked < list.length;
    });
  });

  // Progress of a batch: poll its JSON, update the counts, reload once it is done
  // so the per-address results show.
  var panel = document.querySelector(".invite-progress[data-progress-url]");
  if (!panel || panel.getAttribute("data-finished") === "true") return;
  var url = panel.getAttribute("data-progress-url");
  var bar = panel.querySelector("progress");
  var delay = 1000;

  function show(data) {
    ["sent", "skipped", "failed", "waiting"].forEach(function (key) {
      var el = panel.querySelector("[data-count=" + key + "]");
      if (el) el.textContent = String(data[key]);
    });
    if (bar) {
      bar.max = Math.max(data.total, 1);
      bar.value = data.total - data.waiting;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // A blip (a deploy, a lost connection): back off, keep trying.
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
