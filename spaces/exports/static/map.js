function hmPopup(labels, p) {
  var box = document.createElement("div");
  box.className = "hm-popup";
  var head = document.createElement("b");
  head.textContent = p.t;
  box.appendChild(head);
  var table = document.createElement("table");
  labels.forEach(function (label, i) {
    var value = p.r[i];
    if (value === null || value === undefined || value === "") { return; }
    var row = table.insertRow();
    var th = document.createElement("th");
    th.textContent = label;
    row.appendChild(th);
    row.insertCell().textContent = value;
  });
  box.appendChild(table);
  return box;
}
function hmText(text) {
  var span = document.createElement("span");
  span.textContent = text;
  return span;
}
