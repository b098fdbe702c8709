// JSON calls from studio pages to the server: session cookie + CSRF header; errors come back as {error: {...}}.
export function makeApi(root) {
  const csrf = root.dataset.csrf;
  async function call(url, body) {
    const options = body === undefined ? { credentials: "same-origin" } : {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
    };
    const response = await fetch(url, options);
    let json = null;
    try { json = await response.json(); } catch { json = null; }
    return { ok: response.ok, status: response.status, json };
  }
  return { call, get: (url) => call(url), post: (url, body) => call(url, body) };
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
