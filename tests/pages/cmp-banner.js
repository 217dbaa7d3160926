// Stands in for a consent platform's script: a red bar at the bottom.
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.createElement("div");
  bar.id = "vendor-dialog";
  bar.style.cssText = "position:fixed;left:0;right:0;bottom:0;height:200px;background:#f00";
  document.body.appendChild(bar);
});
