// Diagram labels in the app's font (the bundled Noto Sans SC where no system CJK font exists).
export const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans SC", Arial, sans-serif';
export const textRenderer = { defaultStyle: { fontFamily: FONT }, externalStyle: { fontFamily: FONT } };
