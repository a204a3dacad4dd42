// netstack knowledge base: progressive enhancement only. Every page works without this
// file; with it: "/" focuses search, search-as-you-type, and live reload over SSE.
(function () {
  "use strict";

  var input = document.getElementById("ns-q");
  var box = document.getElementById("ns-suggest");

  // ---- "/" focuses the search box --------------------------------------------------
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    var tag = t && t.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) return;
    var target = document.getElementById("ns-q-page") || input;
    if (!target) return;
    e.preventDefault();
    target.focus();
    target.select();
  });

  // ---- search as you type ----------------------------------------------------------
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = text;
    return n;
  }

  // Snippet with <mark> around the highlighted byte ranges (built as DOM, never as HTML).
  function snippet(text, ranges) {
    var span = el("span", "s-snip");
    var bytes = new TextEncoder().encode(text || "");
    var dec = new TextDecoder();
    var pos = 0;
    (ranges || []).slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (r) {
      var s = r[0], e = r[1];
      if (s < pos || e > bytes.length || s >= e) return;
      span.appendChild(document.createTextNode(dec.decode(bytes.slice(pos, s))));
      span.appendChild(el("mark", null, dec.decode(bytes.slice(s, e))));
      pos = e;
    });
    span.appendChild(document.createTextNode(dec.decode(bytes.slice(pos))));
    return span;
  }

  // The in-app URL of a hit: site docs live under /sites/<site>/, pattern repo docs are
  // reached through /repo/<path>, which redirects to their published path.
  function hitUrl(h) {
    var path = String(h.path || "").split("/").map(encodeURIComponent).join("/");
    var base = h.site ? "/sites/" + encodeURIComponent(h.site) + "/" : "/repo/";
    return base + path + (h.section && h.section.anchor ? "#" + encodeURIComponent(h.section.anchor) : "");
  }

  var selected = -1;
  var timer = null;
  var seq = 0;

  function items() { return box ? box.querySelectorAll("a") : []; }

  function select(i) {
    var list = items();
    if (!list.length) return;
    selected = (i + list.length) % list.length;
    for (var k = 0; k < list.length; k++) list[k].setAttribute("aria-selected", k === selected ? "true" : "false");
    list[selected].scrollIntoView({ block: "nearest" });
  }

  function hide() { if (box) { box.hidden = true; box.textContent = ""; } selected = -1; }

  function show(q, hits) {
    box.textContent = "";
    selected = -1;
    if (!hits.length) {
      box.appendChild(el("div", "s-empty", "No results for “" + q + "”. Press Enter for the search page."));
    }
    hits.slice(0, 8).forEach(function (h) {
      var a = el("a");
      a.href = hitUrl(h);
      a.setAttribute("role", "option");
      a.appendChild(el("span", "s-title", h.title));
      var meta = h.kind + (h.site ? " · " + h.site : "") + (h.section ? " › " + h.section.heading : "");
      a.appendChild(el("span", "s-meta", meta));
      a.appendChild(snippet(h.snippet, h.highlights));
      box.appendChild(a);
    });
    var all = el("a", null);
    all.href = "/search?q=" + encodeURIComponent(q);
    all.appendChild(el("span", "s-meta", "All results for “" + q + "” →"));
    box.appendChild(all);
    box.hidden = false;
  }

  function lookup() {
    var q = input.value.trim();
    if (q.length < 2) { hide(); return; }
    var mine = ++seq;
    fetch("/api/search?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (hits) { if (mine === seq && document.activeElement === input) show(q, hits); })
      .catch(function () { if (mine === seq) hide(); });
  }

  if (input && box && window.fetch && window.TextEncoder) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 110);
    });
    input.addEventListener("keydown", function (e) {
      if (box.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); select(selected + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); select(selected - 1); }
      else if (e.key === "Escape") { hide(); }
      else if (e.key === "Enter" && selected >= 0) { e.preventDefault(); window.location.href = items()[selected].href; }
    });
    input.addEventListener("blur", function () { setTimeout(hide, 150); });
    input.addEventListener("focus", function () { if (input.value.trim().length >= 2) lookup(); });
  }

  // ---- the search page: results as you type, filters apply at once --------------------
  var pageForm = document.getElementById("ns-search-page");
  if (pageForm && window.fetch && window.URLSearchParams) {
    var pageInput = document.getElementById("ns-q-page");
    var pageTimer = null;
    var pageSeq = 0;
    var update = function () {
      var params = new URLSearchParams(new FormData(pageForm));
      var url = "/search?" + params.toString();
      var mine = ++pageSeq;
      fetch(url, { headers: { Accept: "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (mine !== pageSeq) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("ns-results");
          var cur = document.getElementById("ns-results");
          if (fresh && cur) cur.replaceWith(document.adoptNode(fresh));
          document.title = doc.title;
          history.replaceState(null, "", url);
        })
        .catch(function () {});
    };
    if (pageInput) {
      pageInput.addEventListener("input", function () {
        clearTimeout(pageTimer);
        pageTimer = setTimeout(update, 150);
      });
    }
    pageForm.querySelectorAll("select").forEach(function (sel) {
      sel.addEventListener("change", update);
    });
  }

  // ---- live reload -----------------------------------------------------------------
  var root = document.documentElement;
  if (root.getAttribute("data-live") === "1" && window.EventSource) {
    var shown = root.getAttribute("data-generation");
    var refreshing = false;
    var again = false;
    var refresh = function () {
      // One fetch at a time; an event during a fetch means fetch once more afterwards.
      if (refreshing) { again = true; return; }
      refreshing = true;
      again = false;
      fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var main = doc.getElementById("ns-main");
          var cur = document.getElementById("ns-main");
          if (!main || !cur) { window.location.reload(); return; }
          var y = window.scrollY;
          cur.replaceWith(document.adoptNode(main));
          var banner = document.querySelector(".banner");
          var nb = doc.querySelector(".banner");
          if (banner) banner.remove();
          if (nb) document.querySelector(".topbar").after(document.adoptNode(nb));
          var nav = doc.querySelector(".nav");
          if (nav) document.querySelector(".nav").replaceWith(document.adoptNode(nav));
          document.title = doc.title;
          shown = doc.documentElement.getAttribute("data-generation");
          root.setAttribute("data-generation", shown);
          if (doc.documentElement.getAttribute("data-lint-pending") === "1") root.setAttribute("data-lint-pending", "1");
          else root.removeAttribute("data-lint-pending");
          window.scrollTo(0, y);
          document.dispatchEvent(new CustomEvent("netstack:reloaded"));
        })
        .catch(function () { window.location.reload(); })
        .then(function () {
          refreshing = false;
          if (again) refresh();
        });
    };
    var es = new EventSource("/events");
    var onGen = function (e) { if (e.data !== shown) refresh(); };
    es.addEventListener("hello", onGen);
    es.addEventListener("reload", onGen);
    // Findings were still being computed when this page was rendered: fetch it again.
    es.addEventListener("lint", function (e) {
      if (root.getAttribute("data-lint-pending") === "1" && e.data === shown) refresh();
    });
  }
})();
