// Draws the charts of notebook outputs: each chart is an empty div followed by its spec as
// JSON (<script type="application/json">).  Plotly (plotly.js) and Vega-Lite (vega-embed) are
// loaded before this file only on pages that have such charts.  window.gdblogCharts settles
// when every chart is drawn (the browser tests wait on it); a chart that fails logs an error.
(function () {
  "use strict";
  function dark() {
    var t = document.documentElement.getAttribute("data-theme");
    return t ? t === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  }
  function each(kind, draw) {
    return Array.prototype.map.call(document.querySelectorAll("script.nb-" + kind + "-spec"), function (script) {
      var target = script.previousElementSibling;
      return Promise.resolve().then(function () {
        return draw(target, JSON.parse(script.textContent));
      }).catch(function (e) {
        console.error(kind + " chart: " + (e && e.message ? e.message : e));
      });
    });
  }
  var jobs = [];
  if (window.Plotly) {
    jobs = jobs.concat(each("plotly", function (el, spec) {
      var config = Object.assign({ responsive: true, displaylogo: false }, spec.config || {});
      return Plotly.newPlot(el, spec.data || [], spec.layout || {}, config);
    }));
  }
  if (window.vegaEmbed) {
    jobs = jobs.concat(each("vega", function (el, spec) {
      return vegaEmbed(el, spec, { actions: false, theme: dark() ? "dark" : undefined });
    }));
  }
  window.gdblogCharts = Promise.all(jobs);
})();
