// netstack knowledge base: progressive enhancement only. Every page works without this
// file; with it: "/" focuses search, search-as-you-type, and live reload over SSE.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

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

  // The header search box is a WAI-ARIA combobox: the suggestions are a listbox whose
  // options stay out of the tab order; arrows move aria-activedescendant, Enter opens the
  // active option (or submits the form), Escape closes the list and keeps the query.
  var selected = -1;
  var timer = null;
  var seq = 0;

  function items() { return box ? box.querySelectorAll("[role=option]") : []; }

  function select(i) {
    var list = items();
    if (!list.length) return;
    selected = (i + list.length) % list.length;
    for (var k = 0; k < list.length; k++) list[k].setAttribute("aria-selected", k === selected ? "true" : "false");
    input.setAttribute("aria-activedescendant", list[selected].id);
    list[selected].scrollIntoView({ block: "nearest" });
  }

  function hide() {
    clearTimeout(timer);
    seq++;
    if (box) { box.hidden = true; box.textContent = ""; }
    if (input) { input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }
    selected = -1;
  }

  var status = null;
  function say(text) {
    if (!status) {
      status = el("span", "sr-only");
      status.setAttribute("role", "status");
      input.form.appendChild(status);
    }
    status.textContent = text;
  }

  function option(n, href) {
    var a = el("a");
    a.href = href;
    a.id = "ns-opt-" + n;
    a.tabIndex = -1;
    a.setAttribute("role", "option");
    a.setAttribute("aria-selected", "false");
    return a;
  }

  function show(q, hits) {
    box.textContent = "";
    selected = -1;
    input.removeAttribute("aria-activedescendant");
    var shown = hits.slice(0, 8);
    shown.forEach(function (h, n) {
      var a = option(n, hitUrl(h));
      a.appendChild(el("span", "s-title", h.title));
      var meta = h.kind + (h.site ? " · " + h.site : "") + (h.section ? " › " + h.section.heading : "");
      a.appendChild(el("span", "s-meta", meta));
      a.appendChild(snippet(h.snippet, h.highlights));
      box.appendChild(a);
    });
    var all = option(shown.length, "/search?q=" + encodeURIComponent(q));
    if (!shown.length) all.appendChild(el("span", "s-empty", "No suggestions for “" + q + "”."));
    all.appendChild(el("span", "s-meta", "All results for “" + q + "” →"));
    box.appendChild(all);
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
    say(shown.length ? shown.length + " suggestion" + (shown.length === 1 ? "" : "s") + ", arrow keys to choose" : "No suggestions");
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
      if (e.key === "Escape") {
        // Close the list; the browser would also clear a search field: keep what was typed.
        e.preventDefault();
        hide();
        return;
      }
      if (box.hidden) {
        if (e.key === "ArrowDown" && input.value.trim().length >= 2) { e.preventDefault(); lookup(); }
        return;
      }
      if (e.key === "ArrowDown") { e.preventDefault(); select(selected + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); select(selected - 1); }
      else if (e.key === "Enter" && selected >= 0) { e.preventDefault(); window.location.href = items()[selected].href; }
      else if (e.key === "Tab") { hide(); }
    });
    // A click on an option must not take the focus away first (the list would close).
    box.addEventListener("mousedown", function (e) { e.preventDefault(); });
    input.addEventListener("blur", hide);
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
          var count = doc.querySelector("#ns-results .result-count");
          var st = document.getElementById("ns-results-status");
          if (st) st.textContent = count ? count.textContent.replace(/\s*×/g, "").trim() : "";
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

  // ---- phone layout ------------------------------------------------------------------
  // The header slides away while reading down and comes back on the way up (and whenever
  // something in it has the focus); the current section link is scrolled into its row.
  var bar = document.querySelector(".topbar");
  if (bar && window.matchMedia) {
    var narrow = window.matchMedia("(max-width: 760px)");
    var lastY = window.scrollY;
    var ticking = false;
    window.addEventListener("scroll", function () {
      if (ticking) return;
      ticking = true;
      window.requestAnimationFrame(function () {
        ticking = false;
        var y = window.scrollY;
        var away = narrow.matches && y > lastY && y > bar.offsetHeight && !bar.contains(document.activeElement);
        if (narrow.matches && Math.abs(y - lastY) < 4) return;
        bar.classList.toggle("away", away);
        lastY = y;
      });
    }, { passive: true });
    bar.addEventListener("focusin", function () { bar.classList.remove("away"); });
    var current = bar.querySelector(".nav [aria-current]");
    if (current && narrow.matches) {
      var nav = current.parentNode;
      nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
    }
  }

  // "On this page" starts folded on narrow screens (it comes before the article there) and
  // open beside the article on wide ones.
  var toc = document.getElementById("toc");
  if (toc && window.matchMedia && window.matchMedia("(min-width: 1101px)").matches) toc.open = true;

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
          var oldToc = document.getElementById("toc");
          cur.replaceWith(document.adoptNode(main));
          var newToc = document.getElementById("toc");
          if (oldToc && newToc) newToc.open = oldToc.open;
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
