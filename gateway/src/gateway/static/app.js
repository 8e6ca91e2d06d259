// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.querySelectorAll("[data-action=print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var type = document.getElementById("document_type");
  var series = document.getElementById("series-block");
  var number = document.getElementById("policy_number");
  if (type && series) {
    var sync = function () {
      var option = type.options[type.selectedIndex];
      series.classList.toggle("hidden", type.value !== "oms_old");
      if (number && option) { number.placeholder = option.getAttribute("data-hint") || ""; }
    };
    type.addEventListener("change", sync);
    sync();
  }
  var birth = document.getElementById("birth_date");
  if (birth) {
    // Type digits, get ДД-ММ-ГГГГ.
    birth.addEventListener("input", function () {
      var d = birth.value.replace(/\D/g, "").slice(0, 8);
      var out = d.slice(0, 2);
      if (d.length > 2) { out += "-" + d.slice(2, 4); }
      if (d.length > 4) { out += "-" + d.slice(4); }
      if (birth.value !== out && !/[.]/.test(birth.value)) { birth.value = out; }
    });
  }
})();
