/* Keyboard access on every page, once MathJax and Mermaid have drawn.
 *
 * - A region that scrolls sideways (wide code, tables, formulas, diagrams)
 *   gets tabindex="0", so a keyboard can reach and scroll it; it loses it
 *   again when the window grows and it no longer scrolls.
 * - MathJax draws \eqref links inside its visual output, which it hides from
 *   screen readers (aria-hidden): such a link is taken out of the tab order and
 *   its formula becomes the link instead (Enter follows it).
 *
 * window.gdblogReady settles when this is done (tests wait for it).
 */
(function () {
  "use strict";
  var SCROLLERS = "main pre, main table, main .math.display, main mjx-container[display=true], main .diagram, " +
    "main .cell-output-html, main figure";

  function scrolls(el) {
    var style = getComputedStyle(el);
    var x = /(auto|scroll)/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
    var y = /(auto|scroll)/.test(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
    return x || y;
  }

  function markScrollables() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      var marked = el.hasAttribute("data-scroll-focus");
      if (scrolls(el)) {
        if (!el.hasAttribute("tabindex")) {
          el.setAttribute("tabindex", "0");
          el.setAttribute("data-scroll-focus", "");
        }
      } else if (marked) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scroll-focus");
      }
    });
  }

  function followOnEnter(event) {
    if (event.key === "Enter") {
      window.location.hash = event.currentTarget.getAttribute("data-href").replace(/^#/, "");
    }
  }

  function fixMathLinks() {
    document.querySelectorAll("mjx-container a[href]").forEach(function (link) {
      if (!link.closest("[aria-hidden=true]")) return;
      link.setAttribute("tabindex", "-1");
      var box = link.closest("mjx-container");
      if (box.hasAttribute("data-href")) return;
      box.setAttribute("data-href", link.getAttribute("href"));
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "link");
      var spoken = box.querySelector("mjx-assistive-mml");
      box.setAttribute("aria-label", "Equation " + (spoken ? spoken.textContent.trim() : ""));
      box.addEventListener("keydown", followOnEnter);
    });
  }

  function settle(promise) {
    return promise && promise.then ? promise.catch(function () {}) : Promise.resolve();
  }

  function whenDrawn() {
    var math = window.MathJax && window.MathJax.startup ? window.MathJax.startup.promise : null;
    return Promise.all([settle(math), settle(window.gdblogMermaid)]);
  }

  window.gdblogReady = whenDrawn().then(function () {
    fixMathLinks();
    markScrollables();
  });

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(markScrollables, 150);
  });
  document.addEventListener("themechange", function () {
    // Mermaid draws its diagrams again in the new colours: look again when it is done
    setTimeout(function () { whenDrawn().then(markScrollables); }, 0);
  });
})();
