/** Plotly's default colour sequence, used so a run keeps one colour across panels. */
export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The i-th colour, cycling. */
export const color = (i: number): string => COLORS[i % COLORS.length];
