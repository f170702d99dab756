// Colours and type for the charts, matching app.css (a light, console-like look).

const theme = {
  font: '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  text: '#16191f',
  muted: '#5f6b7a',
  grid: '#e9ebed',
  border: '#d1d5db',
  water: '#e3edf7',
  land: '#fbfbf8',
  countryBorder: '#aab7c4',
  palette: ['#0972d3', '#e07941', '#2ea597', '#8456ce', '#c33d69', '#688ae8', '#7d8998', '#f0b429',
            '#096f64', '#962249'],
};

export function chartTheme() {
  return theme;
}

// What every cartesian chart shares: fonts, grid margins, axis styling, tooltip look.
export function baseOption() {
  return {
    color: theme.palette,
    textStyle: { fontFamily: theme.font, color: theme.text },
    animationDuration: 400,
    animationDurationUpdate: 400,
    grid: { left: 12, right: 20, top: 28, bottom: 8, containLabel: true },
    tooltip: {
      backgroundColor: '#fff',
      borderColor: theme.border,
      textStyle: { color: theme.text, fontSize: 12 },
      extraCssText: 'box-shadow: 0 4px 14px rgba(0,0,0,.15); border-radius: 6px;',
    },
  };
}

export function valueAxis(extra) {
  return {
    type: 'value',
    axisLabel: { color: theme.muted },
    splitLine: { lineStyle: { color: theme.grid } },
    ...extra,
  };
}

export function categoryAxis(extra) {
  return {
    type: 'category',
    axisLabel: { color: theme.muted },
    axisLine: { lineStyle: { color: theme.border } },
    axisTick: { show: false },
    ...extra,
  };
}
