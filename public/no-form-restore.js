// Chromium keeps the values of a page's form fields in its session-restore files on
// disk (to refill them after a crash) unless a field has autocomplete="off". fieldkit's
// fields hold research data that protection at rest keeps encrypted, so every text
// field and list gets autocomplete="off" as soon as it is in the page. Password
// fields are never kept and keep their own hints for password managers.
'use strict';
(function () {
  const FIELDS = 'input:not([type=password]), textarea, select';
  const off = (node) => {
    if (node.nodeType !== 1) return;
    if (node.matches(FIELDS)) node.setAttribute('autocomplete', 'off');
    for (const field of node.querySelectorAll(FIELDS)) field.setAttribute('autocomplete', 'off');
  };
  new MutationObserver((changes) => {
    for (const change of changes) for (const node of change.addedNodes) off(node);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
