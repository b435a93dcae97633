/* A PDF in the page (the `pdf` macro of _forms.html): the page shows the links to open and
   to save it first, and never depends on a plugin. Only where the browser says it shows
   PDFs itself (navigator.pdfViewerEnabled) is the PDF also shown in the page, under the
   links; elsewhere an embedded viewer would be an empty dark box. */
(function () {
  if (!navigator.pdfViewerEnabled) {
    return;
  }
  var viewers = document.querySelectorAll(".pdf-viewer[data-pdf]");
  Array.prototype.forEach.call(viewers, function (viewer) {
    if (viewer.querySelector("object")) {
      return;  // the macro's script runs once per PDF of the page
    }
    var object = document.createElement("object");
    object.setAttribute("data", viewer.getAttribute("data-pdf"));
    object.setAttribute("type", "application/pdf");
    object.setAttribute("aria-label", viewer.getAttribute("data-title"));
    viewer.appendChild(object);
  });
})();
