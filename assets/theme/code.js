/* Code blocks: a copy button on each, loaded only on pages that have code.
 *
 * What is copied is what a reader would type: console prompts (">>> ", "$ ",
 * Pygments' .gp) and console output (.go) are left out, and line numbers are
 * CSS counters, never text.  The button says "Copied", and a status region
 * tells screen readers the same.
 */
(function () {
  "use strict";
  var status = document.createElement("div");
  status.className = "visually-hidden copy-status";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  function codeText(pre) {
    var code = pre.querySelector("code") || pre;
    var copy = code.cloneNode(true);
    var session = copy.querySelector(".gp") !== null;
    copy.querySelectorAll(".gp").forEach(function (el) { el.remove(); });
    // output becomes a marker per line, so whole output lines can be dropped below
    copy.querySelectorAll(".go").forEach(function (el) {
      el.textContent = el.textContent.replace(/[^\n]+/g, "\u0000");
    });
    var lines = copy.textContent.split("\n");
    if (session) {
      lines = lines.filter(function (line) { return !/^\u0000+$/.test(line); });
    }
    return lines.join("\n").replace(/\u0000/g, "").replace(/\n+$/, "");
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function addButton(pre) {
    var wrap = document.createElement("div");
    wrap.className = "code-block";
    pre.parentNode.insertBefore(wrap, pre);
    wrap.appendChild(pre);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code");
    button.setAttribute("data-pagefind-ignore", "");
    var timer = null;
    button.addEventListener("click", function () {
      copy(codeText(pre)).then(function () {
        button.textContent = "Copied";
        status.textContent = "Copied";
      }, function () {
        button.textContent = "Press Ctrl+C";
        status.textContent = "Copying is blocked here: select the code and press Ctrl+C";
      }).then(function () {
        clearTimeout(timer);
        timer = setTimeout(function () { button.textContent = "Copy"; status.textContent = ""; }, 2000);
      });
    });
    wrap.appendChild(button);
  }

  document.querySelectorAll("main pre > code").forEach(function (code) {
    var pre = code.parentNode;
    if (!pre.classList.contains("cell-output") && !pre.classList.contains("mermaid")) addButton(pre);
  });
})();
