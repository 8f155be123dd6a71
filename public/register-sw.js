// The service worker keeps the app usable offline after the first visit. It is
// registered once the first screen is up, so that its copying of the app's parts
// never competes with the first visit's own downloads. (A file rather than an
// inline script: the Content-Security-Policy allows no inline script.)
'use strict';
if ('serviceWorker' in navigator) {
  window.addEventListener('fieldkit-started', function () {
    navigator.serviceWorker.register('/sw.js', { updateViaCache: 'none' }).catch(function (e) {
      console.warn('Offline support is not available:', e);
    });
  });
}
