// Building DOM nodes without HTML strings: every text goes in as a text node, so a task or model
// text can never become markup.

/** An element with attributes, `on…` listeners and children (nodes, strings, arrays, nulls). */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  setProps(element, props);
  append(element, children);
  return element;
}

const svgNamespace = 'http://www.w3.org/2000/svg';

/** The same for SVG elements. */
export function s(tag, props = {}, ...children) {
  const element = document.createElementNS(svgNamespace, tag);
  setProps(element, props);
  append(element, children);
  return element;
}

function setProps(element, props) {
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces all children of `element`. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}
