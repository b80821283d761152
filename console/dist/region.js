const KEY = 'openslb.region';
export const region = () => localStorage.getItem(KEY) ?? 'cn-hangzhou';
export const setRegion = (r) => localStorage.setItem(KEY, r);
