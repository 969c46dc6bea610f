export const THEMES = ['autos', 'appliances', 'catering', 'farm-goods', 'new-year-goods'] as const;
export type Theme = (typeof THEMES)[number];
