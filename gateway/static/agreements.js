/* REG-2: a form's submit button stays disabled until every tick of the form is ticked.
   Loaded right after the button (the `enable_when_ticked` macro of _forms.html names it in
   data-button); without scripts the button stays enabled and the server refuses a missing
   tick. A file, not an inline script: the Content-Security-Policy allows no inline script. */
(function () {
  var script = document.currentScript;
  var button = script && document.getElementById(script.getAttribute("data-button"));
  if (!button || !button.form) {
    return;
  }
  var ticks = button.form.querySelectorAll("input[type=checkbox][data-agreement]");
  function update() {
    button.disabled = !Array.prototype.every.call(ticks, function (t) { return t.checked; });
  }
  Array.prototype.forEach.call(ticks, function (t) { t.addEventListener("change", update); });
  update();
})();
