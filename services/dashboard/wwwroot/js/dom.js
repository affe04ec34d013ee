// Elements are built with textContent and properties only: no API value is ever parsed as HTML.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function table(columns, rows, { caption, empty = 'Nothing to show.' } = {}) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap' },
    h('table', {},
      caption ? h('caption', { class: 'muted' }, caption) : null,
      h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col', class: c.class }, c.title)))),
      h('tbody', {}, rows.map(row => h('tr', {}, columns.map(c => h('td', { class: c.class }, c.cell(row))))))));
}

export function badge(text, kind = text) {
  return h('span', { class: `badge ${kind ?? ''}` }, text);
}

export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, `Could not load: ${error.message}`);
}
