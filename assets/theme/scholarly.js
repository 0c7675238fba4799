/* The scholarly layer's behaviour, without a framework: tabsets (mouse and keyboard), previews of
   cross-references and citations on hover and focus, and revealing a link's target when it sits in
   a closed callout or a hidden tab. */
(function () {
  "use strict";

  function selectTab(tabs, panels, index, focus) {
    tabs.forEach(function (tab, i) {
      var on = i === index;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (panels[i]) panels[i].hidden = !on;
    });
    if (focus) tabs[index].focus();
  }

  function setUpTabset(set) {
    var list = set.querySelector(":scope > [role=tablist]");
    if (!list) return;
    var tabs = Array.prototype.slice.call(list.querySelectorAll(":scope > [role=tab]"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("aria-controls")); });
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { selectTab(tabs, panels, i, false); });
      tab.addEventListener("keydown", function (event) {
        var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
        if (next === undefined) return;
        event.preventDefault();
        selectTab(tabs, panels, (next + tabs.length) % tabs.length, true);
      });
    });
    selectTab(tabs, panels, 0, false);
    set.classList.add("tabset-ready");
    set.gdblogSelect = function (panel) { selectTab(tabs, panels, panels.indexOf(panel), false); };
  }

  // Open what hides an element: a closed callout (<details>) or an inactive tab.
  function reveal(el) {
    for (var node = el; node; node = node.parentElement) {
      if (node.localName === "details" && !node.open) node.open = true;
      if (node.getAttribute && node.getAttribute("role") === "tabpanel" && node.hidden) {
        var set = node.closest(".panel-tabset");
        if (set && set.gdblogSelect) set.gdblogSelect(node);
      }
    }
  }

  function targetOf(link) {
    var href = link.getAttribute("href") || "";
    if (href.charAt(0) !== "#") return null;
    try { return document.getElementById(decodeURIComponent(href.slice(1))); } catch (e) { return null; }
  }

  // What a preview shows: the figure or table caption (and image), the equation, the entry, the heading.
  function previewContent(target) {
    if (target.matches("figure")) {
      var copy = target.cloneNode(true);
      copy.removeAttribute("id");
      Array.prototype.forEach.call(copy.querySelectorAll("[id]"), function (n) { n.removeAttribute("id"); });
      if (target.classList.contains("quarto-float-tbl")) {
        var caption = copy.querySelector("figcaption");
        return caption || copy;
      }
      return copy;
    }
    var clone = target.cloneNode(true);
    clone.removeAttribute("id");
    if (/^H[1-6]$/.test(target.tagName)) {
      var anchor = clone.querySelector(".anchor");
      if (anchor) anchor.remove();
      var p = document.createElement("p");
      p.innerHTML = clone.innerHTML;
      return p;
    }
    return clone;
  }

  var tip = null;
  function showPreview(link) {
    var target = targetOf(link);
    if (!target) return;
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "xref-preview";
      tip.id = "xref-preview";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    tip.textContent = "";
    tip.appendChild(previewContent(target));
    tip.hidden = false;
    link.setAttribute("aria-describedby", "xref-preview");
    var box = link.getBoundingClientRect();
    var left = Math.max(8, Math.min(box.left + window.scrollX,
                                    window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8));
    tip.style.left = left + "px";
    tip.style.top = (box.bottom + window.scrollY + 6) + "px";
  }
  function hidePreview(link) {
    if (tip) tip.hidden = true;
    if (link) link.removeAttribute("aria-describedby");
  }

  function setUpLink(link) {
    link.addEventListener("mouseenter", function () { showPreview(link); });
    link.addEventListener("focus", function () { showPreview(link); });
    link.addEventListener("mouseleave", function () { hidePreview(link); });
    link.addEventListener("blur", function () { hidePreview(link); });
    link.addEventListener("keydown", function (event) { if (event.key === "Escape") hidePreview(link); });
    link.addEventListener("click", function () {
      var target = targetOf(link);
      if (target) reveal(target);
      hidePreview(link);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".panel-tabset"), setUpTabset);
    Array.prototype.forEach.call(document.querySelectorAll("a.quarto-xref, a[role=doc-biblioref]"), setUpLink);
    if (location.hash) {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) { reveal(target); target.scrollIntoView(); }
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
