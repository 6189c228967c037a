/*
  Afterward: small progressive enhancement only. Every page works without this file;
  nothing here may be needed to read, write or leave the site.
*/
(function () {
  "use strict";

  // Lets the stylesheet tell "scripts run" from "scripts off", should it ever need to.
  document.documentElement.classList.add("js");
}());
