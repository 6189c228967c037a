/*
  Afterward: small progressive enhancement only. Every page works without this file;
  nothing here may be needed to read, write or leave the site.
*/
(function () {
  "use strict";

  // Lets the stylesheet tell "scripts run" from "scripts off", should it ever need to.
  document.documentElement.classList.add("js");

  // A story behind its content warnings prints whole even if the reader never opened it;
  // the warnings stay closed on screen afterwards as they were.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var closed = document.querySelectorAll("details.warnings:not([open])");
    for (var i = 0; i < closed.length; i += 1) {
      closed[i].open = true;
      opened.push(closed[i]);
    }
  });
  window.addEventListener("afterprint", function () {
    while (opened.length) {
      opened.pop().open = false;
    }
  });
}());
