// UI text of the page scripts: Simplified Chinese by default, English when the page is served in English.
export const english = document.documentElement.lang === "en";

export function t(zh, en) {
  return english ? en : zh;
}
