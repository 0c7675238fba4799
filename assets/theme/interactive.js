/* Interactive figures: cells written with "#| interactive:" (see generator/markdown/cells/interactive.py).
 *
 * The page already shows the default frame as an ordinary figure; this script
 * adds one control per parameter (a slider for numbers, a select otherwise,
 * a play button for ranges) and, when a control moves, shows the matching
 * frame: its images (files beside the page, preloaded near the current
 * value), its printed output, the parameter values in the caption and the
 * inline values of the prose that follows the cell.  No framework, no
 * network beyond the frame images.
 */
(function () {
  "use strict";
  var PLAY_MS = 160;    // between frames while playing
  var NEAR = 2;         // frames preloaded on each side of the current value, per parameter

  function setup(root) {
    var data;
    try {
      data = JSON.parse(root.getAttribute("data-interactive"));
    } catch (e) {
      console.error("interactive figure: unreadable frame data (" + e.message + ")");
      return;
    }
    var params = data.params, frames = data.frames;
    var cell = root.getAttribute("data-interactive-cell");
    var outputs = root.querySelector(".interactive-outputs");
    // A figure with a dark variant is two <img>s (only-light, only-dark): the dark twin
    // follows its light image, showing the frame's dark variant (frame.dark) when it has one.
    var images = Array.prototype.filter.call(root.querySelectorAll("img"), function (img) {
      return !(outputs && outputs.contains(img)) && !img.classList.contains("only-dark");
    });
    var twins = images.map(function (img) {
      var next = img.nextElementSibling;
      return next && next.tagName === "IMG" && next.classList.contains("only-dark") ? next : null;
    });
    var strides = [], size = 1, i;
    for (i = params.length - 1; i >= 0; i--) {
      strides[i] = size;
      size *= params[i].labels.length;
    }
    var current = params.map(function (p, j) {
      return Math.floor(data["default"] / strides[j]) % p.labels.length;
    });
    var shownOut = frames[data["default"]].out;
    var loaded = {};
    var controls = document.createElement("div");
    controls.className = "interactive-controls";
    var inputs = params.map(function (p, j) { return control(p, j); });
    root.insertBefore(controls, root.firstChild);

    function frameNumber(indices) {
      var k = 0;
      for (var j = 0; j < params.length; j++) k += indices[j] * strides[j];
      return k;
    }

    function control(p, j) {
      var id = "interactive-" + cell + "-" + p.name;
      var row = document.createElement("div");
      row.className = "interactive-control";
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = p.name;
      var input;
      if (p.numeric) {
        input = document.createElement("input");
        input.type = "range";
        input.min = "0";
        input.max = String(p.labels.length - 1);
        input.step = "1";
        input.value = String(current[j]);
        input.addEventListener("input", function () { select(j, Number(input.value)); });
      } else {
        input = document.createElement("select");
        p.labels.forEach(function (text, k) {
          var option = document.createElement("option");
          option.value = String(k);
          option.textContent = text;
          input.appendChild(option);
        });
        input.value = String(current[j]);
        input.addEventListener("change", function () { select(j, Number(input.value)); });
      }
      input.id = id;
      var value = document.createElement("output");
      value.htmlFor = id;
      row.appendChild(label);
      row.appendChild(input);
      row.appendChild(value);
      if (p.range && p.labels.length > 1) row.appendChild(playButton(p, j));
      controls.appendChild(row);
      return { input: input, value: value };
    }

    function playButton(p, j) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "interactive-play";
      button.setAttribute("aria-label", "Play " + p.name);
      button.setAttribute("aria-pressed", "false");
      button.textContent = "\u25B6";
      var timer = null;
      function stop() {
        clearInterval(timer);
        timer = null;
        button.setAttribute("aria-pressed", "false");
        button.textContent = "\u25B6";
      }
      button.addEventListener("click", function () {
        if (timer !== null) { stop(); return; }
        var last = p.labels.length - 1;
        if (current[j] === last) select(j, 0);
        var dark = darkShown();
        for (var k = current[j] + 1; k <= last; k++) {   // the whole run ahead, in order
          var ahead = current.slice();
          ahead[j] = k;
          preload(frameNumber(ahead), dark);
        }
        button.setAttribute("aria-pressed", "true");
        button.textContent = "\u275A\u275A";
        timer = setInterval(function () {
          if (current[j] >= last) { stop(); return; }
          select(j, current[j] + 1);
        }, PLAY_MS);
      });
      return button;
    }

    function darkShown() {   // the page shows the dark twins (dark theme or colour scheme)
      return twins.some(function (twin) { return twin && getComputedStyle(twin).display !== "none"; });
    }

    function preload(k, dark) {   // dark: darkShown(), asked once by the caller
      if (k < 0 || k >= frames.length) return;
      var wanted = dark && frames[k].dark ? frames[k].dark : frames[k].img;
      wanted.forEach(function (src) {
        if (!loaded[src]) {
          var image = new Image();
          image.src = src;
          loaded[src] = image;
        }
      });
    }

    function preloadNear() {
      var dark = darkShown();
      for (var j = 0; j < params.length; j++) {
        for (var d = -NEAR; d <= NEAR; d++) {
          var k = current[j] + d;
          if (d === 0 || k < 0 || k >= params[j].labels.length) continue;
          var near = current.slice();
          near[j] = k;
          preload(frameNumber(near), dark);
        }
      }
    }

    function fill(template) {
      return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function (whole, name) {
        for (var j = 0; j < params.length; j++) {
          if (params[j].name === name) return params[j].labels[current[j]];
        }
        return whole;
      });
    }

    function select(j, k) {
      current[j] = k;
      show();
    }

    function show() {
      var number = frameNumber(current), frame = frames[number];
      params.forEach(function (p, j) {
        var text = p.labels[current[j]];
        inputs[j].value.textContent = text;
        if (String(inputs[j].input.value) !== String(current[j])) inputs[j].input.value = String(current[j]);
        inputs[j].input.setAttribute("aria-valuetext", p.name + " = " + text);
      });
      images.forEach(function (img, n) {
        var src = frame.img[n];
        // a frame that shows an error (error: true) may have drawn fewer figures
        img.style.visibility = src ? "" : "hidden";
        var twin = twins[n];
        if (twin) {
          if (!twin.hasAttribute("data-dark-src")) twin.setAttribute("data-dark-src", twin.getAttribute("src"));
          // the frame's dark variant; a frame cached without one shows its light picture
          var dark = frame.dark && frame.dark[n];
          var shown = dark || (number === data.default ? twin.getAttribute("data-dark-src") : src);
          twin.style.visibility = src ? "" : "hidden";
          if (shown && twin.getAttribute("src") !== shown) twin.setAttribute("src", shown);
        }
        if (src && img.getAttribute("src") !== src) {
          img.setAttribute("src", src);
        }
        var alt = data.alt && data.alt[n];
        if (alt) img.setAttribute("alt", fill(alt));
      });
      if (outputs && frame.out !== shownOut) {
        outputs.innerHTML = data.out[frame.out];
        shownOut = frame.out;
      }
      Array.prototype.forEach.call(root.querySelectorAll(".interactive-param"), function (span) {
        span.textContent = fill("{" + span.getAttribute("data-param") + "}");
      });
      var values = frame.v || {};
      var selector = '.interactive-value[data-interactive-for="' + cell + '"]';
      Array.prototype.forEach.call(document.querySelectorAll(selector), function (span) {
        var value = values[span.getAttribute("data-inline")];
        span.textContent = value !== undefined ? value : "\u2013";   // a frame that raised has no value
      });
      preloadNear();
    }

    show();
  }

  Array.prototype.forEach.call(document.querySelectorAll(".cell-interactive[data-interactive]"), setup);
})();
