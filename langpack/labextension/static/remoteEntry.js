/*
 * Shows nbgrader's learner panels in the interface language (a prebuilt JupyterLab extension).
 *
 * nbgrader's lab extension writes its texts in English without JupyterLab's translator. This
 * plugin looks each of those texts up in the "nbgrader" catalog of the active language pack
 * (langpack/po/nbgrader.po) and puts the translation in its place. It touches only nbgrader's
 * own nodes: the assignment list, the Validate button, nbgrader's dialogs, its menu and commands.
 *
 * Written by hand, no build step: it is a module-federation container, the form JupyterLab
 * loads prebuilt extensions in (`init(shareScope)`, then `get("./extension")`); the
 * ITranslator token comes from the shared @jupyterlab/translation module, as a built
 * extension would receive it.
 */
var _JUPYTERLAB;
(function () {
  "use strict";
  var NAME = "@netmarketing/nbgrader-translation";
  var DOMAIN = "nbgrader";
  // nbgrader's nodes: the assignment list, the Validate toolbar button, nbgrader's dialogs.
  var TEXT_ROOTS = ".nbgrader-mainarea-widget, .validate-button, .nbgrader-ErrorDialog, .nbgrader-SuccessDialog";
  // nbgrader's menu items and command-palette entries; the menu bar's "Nbgrader" title.
  var LABELS =
    '.lm-Menu-item[data-command^="nbgrader:"] .lm-Menu-itemLabel, ' +
    '.lm-CommandPalette-item[data-command^="nbgrader:"] .lm-CommandPalette-itemLabel, .lm-MenuBar-itemLabel';
  // Attributes that carry nbgrader's texts (tooltips, names read by screen readers).
  var ATTRIBUTES = ["title", "aria-label"];
  // Texts that nbgrader builds from words (cell types); their msgids hold %1, %2.
  var PATTERNS = ["The following %1 cell has changed to a %2 cell, but it should not have!"];

  var shareScope = {};

  function newestShared(pkg) {
    var versions = Object.keys(shareScope[pkg] || {});
    if (!versions.length) {
      return Promise.reject(new Error(NAME + ": shared module " + pkg + " not found"));
    }
    versions.sort(function (a, b) {
      var x = a.split(/[.-]/), y = b.split(/[.-]/);
      for (var i = 0; i < Math.max(x.length, y.length); i++) {
        var d = (parseInt(x[i], 10) || 0) - (parseInt(y[i], 10) || 0);
        if (d) return d;
      }
      return 0;
    });
    return Promise.resolve(shareScope[pkg][versions[versions.length - 1]].get()).then(function (factory) {
      return factory();
    });
  }

  function translator(trans) {
    var patterns = PATTERNS.map(function (msgid) {
      var escaped = msgid.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%\d/g, "(.+?)");
      return { msgid: msgid, regex: new RegExp("^" + escaped + "$") };
    });
    // Return the translation of an English text, or null when the catalog has none.
    return function (text) {
      var key = text.replace(/\s+/g, " ").trim();
      if (!key) return null;
      var translated = trans.__(key);
      if (translated !== key) return translated;
      for (var i = 0; i < patterns.length; i++) {
        var found = key.match(patterns[i].regex);
        if (found) {
          var template = trans.__(patterns[i].msgid);
          if (template !== patterns[i].msgid) {
            return template.replace(/%(\d)/g, function (_, n) { return found[Number(n)]; });
          }
        }
      }
      return null;
    };
  }

  function translateTextNode(node, lookup) {
    var text = node.nodeValue;
    var translated = lookup(text);
    if (translated !== null) {
      var lead = text.match(/^\s*/)[0], trail = text.match(/\s*$/)[0];
      node.nodeValue = lead + translated + trail;
    }
  }

  function translateTree(root, lookup) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      translateTextNode(node, lookup);
    }
    var labelled = [root].concat(Array.prototype.slice.call(root.querySelectorAll("[title], [aria-label]")));
    labelled.forEach(function (el) {
      ATTRIBUTES.forEach(function (name) {
        var value = el.getAttribute(name);
        var translated = value ? lookup(value) : null;
        if (translated !== null) el.setAttribute(name, translated);
      });
    });
  }

  // nbgrader's main-area widgets (the assignment list): their titles feed the tab and the Tabs menu.
  function translateTitles(app, lookup) {
    var widgets = app.shell.widgets ? Array.from(app.shell.widgets("main")) : [];
    widgets.forEach(function (widget) {
      if (String(widget.id).indexOf("nbgrader-") !== 0) return;
      var translated = lookup(widget.title.label);
      if (translated !== null) widget.title.label = translated;
    });
  }

  function translateAll(lookup) {
    document.querySelectorAll(TEXT_ROOTS).forEach(function (root) { translateTree(root, lookup); });
    document.querySelectorAll(LABELS).forEach(function (label) {
      // Menu bar titles are shared with JupyterLab's own menus: only nbgrader's "Nbgrader" is ours.
      if (label.classList.contains("lm-MenuBar-itemLabel") && label.textContent.trim() !== "Nbgrader") return;
      translateTree(label, lookup);
    });
  }

  function makePlugin(ITranslator) {
    return {
      id: NAME + ":plugin",
      description: "Translates nbgrader's learner panels with the language pack's nbgrader catalog.",
      autoStart: true,
      requires: [ITranslator],
      activate: function (app, translatorService) {
        var lookup = translator(translatorService.load(DOMAIN));
        var pending = false;
        function schedule() {
          if (pending) return;
          pending = true;
          window.requestAnimationFrame(function () {
            pending = false;
            translateTitles(app, lookup);
            translateAll(lookup);
          });
        }
        new MutationObserver(schedule).observe(document.body, {
          childList: true,
          subtree: true,
          characterData: true,
          attributes: true,
          attributeFilter: ATTRIBUTES
        });
        schedule();
      }
    };
  }

  _JUPYTERLAB = _JUPYTERLAB || {};
  _JUPYTERLAB[NAME] = {
    init: function (scope) {
      shareScope = scope || {};
      return Promise.resolve();
    },
    get: function (module) {
      if (module !== "./extension") {
        return Promise.reject(new Error('Module "' + module + '" does not exist in container.'));
      }
      return newestShared("@jupyterlab/translation").then(function (translation) {
        var plugins = [makePlugin(translation.ITranslator)];
        return function () {
          return { __esModule: true, default: plugins };
        };
      });
    }
  };
})();
