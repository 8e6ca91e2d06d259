// Keyboard helpers of the reception workspace. The pages work without this file; it saves
// keystrokes:
// - Alt+letter runs the element with that accesskey, by the physical key (event.code), so the
//   shortcuts also work while the keyboard is switched to the Russian layout, where Alt+N types
//   "т" and the browser's own accesskey handling would not match;
// - Enter on a checkbox submits its form, as Enter does in a text field.
(function () {
  "use strict";
  function runShortcut(event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || !/^Key[A-Z]$/.test(event.code)) {
      return false;
    }
    var letter = event.code.slice(3).toLowerCase();
    var found = document.querySelectorAll('[accesskey="' + letter + '"]');
    if (!found.length) {
      return false;
    }
    // A field on the page wins over the menu link with the same key (Alt+S on the search page).
    var element = found[0];
    for (var i = 0; i < found.length; i += 1) {
      if (/^(INPUT|SELECT|TEXTAREA)$/.test(found[i].tagName)) { element = found[i]; break; }
    }
    event.preventDefault();
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
      element.focus();
      if (element.select) { element.select(); }
    } else {
      element.click();
    }
    return true;
  }
  function submitFromCheckbox(event) {
    var target = event.target;
    if (event.key !== "Enter" || !target || target.type !== "checkbox" || !target.form) {
      return;
    }
    event.preventDefault();
    if (typeof target.form.requestSubmit === "function") {
      target.form.requestSubmit();
    } else {
      target.form.submit();
    }
  }
  function maskDate(field) {
    field.addEventListener("input", function () {
      if (/[^\d.]/.test(field.value)) { return; }  // typed otherwise: the server names the mistake
      var d = field.value.replace(/\D/g, "").slice(0, 8);
      var out = d.slice(0, 2);
      if (d.length > 2) { out += "." + d.slice(2, 4); }
      if (d.length > 4) { out += "." + d.slice(4); }
      if (field.value !== out) { field.value = out; }
    });
  }
  document.querySelectorAll("input[data-date-mask]").forEach(maskDate);
  document.addEventListener("keydown", function (event) {
    if (!runShortcut(event)) {
      submitFromCheckbox(event);
    }
  });
})();
