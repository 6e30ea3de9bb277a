"""What tests/test_browser.py reads from JupyterLab's page: small JavaScript
functions evaluated in chromium, each returning plain data to assert on."""

ALL_PROMPTS_DONE = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

TRACEBACKS = """() => [...document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(e => e.textContent).filter(t => t.includes('Traceback') || /Error\\b/.test(t))"""

# Issue 14 point 1: a progress bar in an output must say what it measures (DuckDB's own
# bars were left as unlabelled black bars). The picker's bar sits next to its Load button.
UNLABELLED_PROGRESS = """() => {
    const bars = [...document.querySelectorAll('.jp-OutputArea-output .widget-progress, .jp-OutputArea-output progress')];
    const unlabelled = bars.filter(b => {
        const label = b.querySelector('.widget-label');
        if (label && label.textContent.trim()) return false;
        const box = b.closest('.widget-vbox');
        return !(box && [...box.querySelectorAll('button')].some(x => x.textContent.includes('Load')));
    }).length;
    const textBars = [...document.querySelectorAll('.jp-OutputArea-output .jp-RenderedText')]
        .filter(e => /\\d+%\\s*[▕|][█▏▎▍▌▋▊▉ ]/.test(e.textContent)).length;
    return {unlabelled, textBars};
}"""

# Issue 14 point 7: every themed figure shows exactly the rendering of the current theme.
FIGURES = """() => [...document.querySelectorAll('.f1nb-themed')].map(d => {
    const shown = c => getComputedStyle(d.querySelector(c)).display !== 'none';
    const light = d.querySelector('.f1nb-fig-light');
    return {light: shown('.f1nb-fig-light'), dark: shown('.f1nb-fig-dark'), alt: light.alt,
            width: light.naturalWidth};
})"""

THEME_IS_LIGHT = "() => document.body.dataset.jpThemeLight"

# Issue 14 points 5 and 6: f1nb's tables, as text per column; and whether any scrolls sideways.
TABLES = """() => [...document.querySelectorAll('.jp-OutputArea-output table.f1nb-table')].map(t => {
    const heads = [...t.querySelectorAll('th')].map(h => h.textContent);  // <wbr> adds no text
    const rows = [...t.querySelectorAll('tr')].filter(r => r.querySelector('td'))
        .map(r => [...r.querySelectorAll('td')].map(c => c.textContent));
    const cols = Object.fromEntries(heads.map((h, i) => [h, rows.map(r => r[i])]));
    const area = t.closest('.jp-OutputArea-output');
    const scroller = t.closest('.f1nb-scroll');
    return {heads, cols, sideways: area.scrollWidth > area.clientWidth + 2,
            scrollBox: scroller ? {client: scroller.clientHeight, scroll: scroller.scrollHeight} : null};
})"""

# Issue 14 point 6 and 11: the LapExplorer widget's size and its driver choices.
LAP_EXPLORER = """() => {
    const select = [...document.querySelectorAll('.jp-OutputArea-output .widget-select-multiple select')][0];
    if (!select) return null;
    const box = select.closest('.widget-vbox');
    return {height: box.getBoundingClientRect().height, options: [...select.options].map(o => o.textContent)};
}"""

# Issue 14 point 9: the folded SQL of `%f1 lineage --sql`, and the lineage tree's connectors.
LINEAGE = """() => {
    const list = document.querySelector('.f1nb-sql-list');
    const tree = [...document.querySelectorAll('.jp-OutputArea-output pre')].map(p => p.textContent)
        .find(t => t.startsWith('gold.race_pace'));
    return {details: list ? list.querySelectorAll('details').length : 0,
            open: list ? list.querySelectorAll('details[open]').length : -1,
            height: list ? list.closest('.jp-OutputArea-output').getBoundingClientRect().height : -1,
            tree: tree || ''};
}"""

# The session's layers side by side (the seed's Session API cell).
LAYERS = """() => [...document.querySelectorAll('.f1nb-layers .layer')].map(l => l.textContent.split(' ')[0])"""

PICKER_STATUS = """() => [...document.querySelectorAll('.jp-OutputArea-output .widget-vbox')]
    .filter(b => [...b.querySelectorAll('button')].some(x => x.textContent.includes('Load')))
    .map(b => b.querySelector('.widget-html-content').textContent)"""

NOTEBOOK_HEIGHT = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
        || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    return panel.scrollHeight;
}"""

NOTEBOOK_CLIENT = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
        || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    return panel.clientHeight;
}"""

SCROLL_TOP = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
        || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    panel.scrollTop = 0;
}"""
