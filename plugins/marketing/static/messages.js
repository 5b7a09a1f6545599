// Live threads (progressive enhancement: the page and its form work without this).
// Listens to the thread's event stream and appends each new message once; the
// browser's EventSource reconnects by itself and sends the last id it saw.
(function () {
  "use strict";
  var list = document.querySelector("[data-live-thread]");
  if (!list || !window.EventSource) return;
  var empty = document.querySelector(".messages-empty");
  var last = parseInt(list.getAttribute("data-last-seq") || "0", 10) || 0;
  var url = list.getAttribute("data-live-thread") + "?after=" + last;
  var source = new EventSource(url);
  source.addEventListener("message", function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (!data || typeof data.seq !== "number" || !data.html) return;
    if (list.querySelector('[data-seq="' + data.seq + '"]')) return;
    list.insertAdjacentHTML("beforeend", data.html);
    list.setAttribute("data-last-seq", String(data.seq));
    if (empty) empty.hidden = true;
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
