// serviceworker.html's worker: precaches ten files when installed.
self.addEventListener('install', function (e) {
  var files = [];
  for (var i = 0; i < 10; i++) files.push('/bytes?n=500000&ms=300&id=precache' + i);
  e.waitUntil(caches.open('v1').then(function (c) { return c.addAll(files); }));
});
