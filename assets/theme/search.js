/* The search box in the header: Pagefind's static index, loaded on first use.
 *
 * "/" focuses the box from anywhere on the page (except while typing in a field).
 * Results show the title, the date and an excerpt with the words found marked;
 * the post's tags are filters.  Everything comes from the site's own
 * pagefind/ folder: no server, no other site.  Arrow keys move through the
 * results, Escape closes them.
 */
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var panel = document.getElementById("search-results");
  if (!input || !panel) return;
  var base = input.getAttribute("data-base") || "/";
  var bundle = input.getAttribute("data-bundle") || base + "pagefind/";
  var status = document.getElementById("search-status");
  var loading = null;
  var chosen = {};      // tag -> true
  var generation = 0;
  var LIMIT = 10;

  function load() {
    if (!loading) {
      loading = import(bundle + "pagefind.js").then(function (pagefind) {
        return Promise.resolve(pagefind.options({ baseUrl: base, excerptLength: 26 })).then(function () {
          return pagefind.filters();  // loads the filters, so that results come with their counts
        }).then(function () { return pagefind; });
      });
    }
    return loading;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Pagefind's excerpt is text with <mark> around the words found: keep only those tags.
  function excerptNode(excerpt) {
    var p = el("p", "search-excerpt");
    var parts = String(excerpt || "").split(/(<mark>|<\/mark>)/);
    var inMark = false;
    var scratch = document.createElement("textarea");
    parts.forEach(function (part) {
      if (part === "<mark>") { inMark = true; return; }
      if (part === "</mark>") { inMark = false; return; }
      scratch.innerHTML = part;  // decode entities, as text (a textarea parses no tags)
      var text = document.createTextNode(scratch.value);
      if (inMark) { var m = el("mark"); m.appendChild(text); p.appendChild(m); } else { p.appendChild(text); }
    });
    return p;
  }

  function tagButtons(filters) {
    var tags = (filters && filters.tag) || {};
    var names = Object.keys(tags).sort(function (a, b) { return a.localeCompare(b); });
    if (!names.length) return null;
    var group = el("div", "search-filters");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Filter by tag");
    names.forEach(function (name) {
      var button = el("button", "search-filter", name + " (" + tags[name] + ")");
      button.type = "button";
      button.setAttribute("aria-pressed", chosen[name] ? "true" : "false");
      button.addEventListener("click", function () {
        if (chosen[name]) delete chosen[name]; else chosen[name] = true;
        run(true);
      });
      group.appendChild(button);
    });
    return group;
  }

  function resultItem(data) {
    var item = el("li", "search-result");
    var link = el("a", "search-link", (data.meta && data.meta.title) || data.url);
    link.href = data.url;
    item.appendChild(link);
    if (data.meta && data.meta.date) {
      var time = el("time", "search-date", data.meta.date);
      if (data.meta.datetime) time.setAttribute("datetime", data.meta.datetime);
      item.appendChild(time);
    }
    item.appendChild(excerptNode(data.excerpt));
    return item;
  }

  function show(query, found, items) {
    var focused = document.activeElement && panel.contains(document.activeElement) &&
      document.activeElement.classList.contains("search-filter") ? document.activeElement.textContent.split(" (")[0] : null;
    panel.textContent = "";
    var count = found.results.length;
    var words = count === 1 ? "1 result" : count + " results";
    var said = query ? words + " for “" + query + "”" : words;
    status.textContent = said;
    var filters = tagButtons(found.totalFilters || found.filters);
    if (filters) panel.appendChild(filters);
    if (!count) {
      panel.appendChild(el("p", "search-empty", query ? "Nothing found for “" + query + "”." : "Nothing found."));
    } else {
      var list = el("ol", "search-list");
      items.forEach(function (data) { list.appendChild(resultItem(data)); });
      panel.appendChild(list);
      if (count > items.length) panel.appendChild(el("p", "search-more", "The first " + items.length + " of " + count + " are shown."));
    }
    panel.hidden = false;
    if (focused) {  // the filter just pressed keeps the focus in the new list
      Array.prototype.forEach.call(panel.querySelectorAll(".search-filter"), function (button) {
        if (button.textContent.split(" (")[0] === focused) button.focus();
      });
    }
  }

  function fail(error) {
    panel.textContent = "";
    var why = location.protocol === "file:" ?
      "Search needs the site to be served over HTTP (for example: python build.py serve)." :
      "Search is not available on this copy of the site.";
    panel.appendChild(el("p", "search-empty", why));
    status.textContent = why;
    panel.hidden = false;
    if (window.console && error) console.warn("search: " + (error.message || error));
  }

  function close() {
    panel.hidden = true;
  }

  function run(now) {
    var query = input.value.trim();
    var filters = Object.keys(chosen);
    if (!query && !filters.length) { close(); status.textContent = ""; return; }
    var mine = ++generation;
    load().then(function (pagefind) {
      var options = filters.length ? { filters: { tag: { any: filters } } } : {};
      return now || !pagefind.debouncedSearch ? pagefind.search(query || null, options)
        : pagefind.debouncedSearch(query || null, options, 200);
    }).then(function (found) {
      if (!found || mine !== generation) return null;
      return Promise.all(found.results.slice(0, LIMIT).map(function (r) { return r.data(); })).then(function (items) {
        if (mine === generation) show(query, found, items);
      });
    }).catch(fail);
  }

  function links() { return Array.prototype.slice.call(panel.querySelectorAll(".search-link")); }

  input.addEventListener("input", function () { run(false); });
  input.addEventListener("focus", function () { load().catch(function () {}); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { input.value = ""; chosen = {}; close(); status.textContent = ""; }
    else if (event.key === "ArrowDown" && !panel.hidden && links().length) { event.preventDefault(); links()[0].focus(); }
    else if (event.key === "Enter") { event.preventDefault(); var first = links()[0]; if (first) first.click(); }
  });
  panel.addEventListener("keydown", function (event) {
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (event.key === "Escape") { close(); input.focus(); }
    else if (at >= 0 && event.key === "ArrowDown") { event.preventDefault(); (all[at + 1] || all[at]).focus(); }
    else if (at >= 0 && event.key === "ArrowUp") { event.preventDefault(); (at ? all[at - 1] : input).focus(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden && !panel.contains(event.target) && event.target !== input) {
      close();
      return;
    }
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
  document.addEventListener("click", function (event) {
    if (!panel.hidden && !panel.contains(event.target) && event.target !== input) close();
  });
})();
