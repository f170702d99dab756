// The SQL console, as Athena's query editor: the catalog on the left; on the right the editor
// (Ctrl+Enter runs the selection, or everything), Run and Cancel, the database the query runs in,
// then the results grid with run time, data scanned and a CSV download, and the recent queries.
// Everything goes through the Athena API (StartQueryExecution, GetQueryExecution,
// GetQueryResults, StopQueryExecution, ListQueryExecutions, BatchGetQueryExecution).
//
// For tests: the results panel has data-state (the last query's state) and data-query-id; the
// grid (table.results-grid) has data-row-count, the data rows drawn (the header row excluded).

import { athena, resultsCsvUrl } from './api.js';
import { createCatalogTree } from './catalog_tree.js';
import { clear, formatBytes, formatMillis, formatNumber, formatTime, h, stateBadge } from './util.js';

const PAGE_SIZE = 1000;
const FINAL_STATES = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const NUMERIC_TYPES = /^(tinyint|smallint|integer|int|bigint|double|real|float|decimal)/i;
const STORAGE_SQL = 'lakebox.console.sql';
const STORAGE_DATABASE = 'lakebox.console.database';

function quoteIdentifier(name) {
  return `"${name.replace(/"/g, '""')}"`;
}

export function mountConsole(container) {
  let stopped = false;
  let running = null;  // {id, cancelled} while a query runs
  let tickTimer = null;

  // ---- editor
  const editor = h('textarea', {
    class: 'editor', spellcheck: 'false', autocomplete: 'off',
    placeholder: 'SELECT * FROM "database"."table" limit 10;',
    'aria-label': 'SQL query',
  });
  editor.value = localStorage.getItem(STORAGE_SQL) || '';
  const databaseSelect = h('select', { class: 'select', 'aria-label': 'Database', title: 'The database unqualified table names refer to' });
  const runButton = h('button', { class: 'btn btn-primary', onclick: () => run() }, 'Run');
  const cancelButton = h('button', { class: 'btn btn-secondary', disabled: true, onclick: () => cancel() }, 'Cancel');
  const queryState = h('span', { class: 'query-state' });

  editor.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
      event.preventDefault();
      run();
    } else if (event.key === 'Tab' && !event.shiftKey) {
      event.preventDefault();
      editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
    }
  });
  editor.addEventListener('input', () => localStorage.setItem(STORAGE_SQL, editor.value));
  databaseSelect.addEventListener('change', () => localStorage.setItem(STORAGE_DATABASE, databaseSelect.value));

  // ---- results and history
  const results = h('div', { class: 'results', dataset: { state: 'NONE' } });
  const history = h('div', { class: 'history' });
  const tabResults = h('button', { class: 'tab active', onclick: () => showTab('results') }, 'Query results');
  const tabHistory = h('button', { class: 'tab', onclick: () => showTab('history') }, 'Recent queries');
  function showTab(which) {
    tabResults.classList.toggle('active', which === 'results');
    tabHistory.classList.toggle('active', which === 'history');
    results.hidden = which !== 'results';
    history.hidden = which !== 'history';
    if (which === 'history') loadHistory();
  }
  history.hidden = true;
  results.append(h('div', { class: 'results-empty' }, 'Run a query to see its results here. ',
    h('span', { class: 'kbd-hint' }, h('kbd', {}, 'Ctrl'), '+', h('kbd', {}, 'Enter'), ' runs it.')));

  // ---- catalog
  const tree = createCatalogTree({
    onSelectDatabase: (name) => {
      databaseSelect.value = name;
      localStorage.setItem(STORAGE_DATABASE, name);
    },
    onPreview: (database, table) => {
      editor.value = `SELECT * FROM ${quoteIdentifier(database)}.${quoteIdentifier(table)} limit 10;`;
      localStorage.setItem(STORAGE_SQL, editor.value);
      databaseSelect.value = database;
      run();
    },
  });

  container.append(h('div', { class: 'console' },
    h('aside', { class: 'card catalog' },
      h('div', { class: 'catalog-head' },
        h('h2', {}, 'Data'),
        h('button', { class: 'btn-link', title: 'Reload the catalog', onclick: () => loadCatalog() }, 'Reload')),
      h('div', { class: 'catalog-source' }, h('span', { class: 'muted' }, 'Data source'), h('span', {}, 'AwsDataCatalog')),
      tree.element),
    h('section', { class: 'workspace' },
      h('div', { class: 'card editor-card' },
        h('div', { class: 'editor-head' }, h('h2', {}, 'Query editor'),
          h('label', { class: 'database-picker' }, h('span', { class: 'muted' }, 'Database'), databaseSelect)),
        editor,
        h('div', { class: 'editor-actions' }, runButton, cancelButton,
          h('span', { class: 'kbd-hint' }, h('kbd', {}, 'Ctrl'), '+', h('kbd', {}, 'Enter')), queryState)),
      h('div', { class: 'card results-card' },
        h('div', { class: 'tabs' }, tabResults, tabHistory),
        results, history))));

  async function loadCatalog() {
    const names = await tree.reload();
    if (stopped) return;
    const wanted = databaseSelect.value || localStorage.getItem(STORAGE_DATABASE);
    clear(databaseSelect).append(...names.map((n) => h('option', { value: n }, n)));
    if (!names.length) databaseSelect.append(h('option', { value: '' }, '(none)'));
    databaseSelect.value = names.includes(wanted) ? wanted : (names[0] || '');
    if (databaseSelect.value) tree.open(databaseSelect.value);
    if (!editor.value && names.length) {
      editor.value = '-- Ctrl+Enter runs the query (or the selected part).\nSELECT 1 AS answer;';
    }
  }

  function setRunning(on) {
    runButton.disabled = on;
    cancelButton.disabled = !on;
    runButton.textContent = on ? 'Running…' : 'Run';
  }

  function selectedSql() {
    const { selectionStart: a, selectionEnd: b, value } = editor;
    const text = a !== b ? value.slice(a, b) : value;
    return text.trim();
  }

  async function run() {
    if (running) return;
    const sql = selectedSql();
    if (!sql) return;
    showTab('results');
    setRunning(true);
    const started = Date.now();
    running = { id: null, cancelled: false };
    clearInterval(tickTimer);
    tickTimer = setInterval(() => {
      queryState.textContent = `Running · ${formatMillis(Date.now() - started)}`;
    }, 200);
    queryState.textContent = 'Submitting…';
    try {
      const request = { QueryString: sql };
      if (databaseSelect.value) request.QueryExecutionContext = { Database: databaseSelect.value };
      const { QueryExecutionId: id } = await athena('StartQueryExecution', request);
      running.id = id;
      if (running.cancelled) await athena('StopQueryExecution', { QueryExecutionId: id });
      const execution = await waitForFinalState(id);
      if (stopped) return;
      await showExecution(execution);
    } catch (e) {
      if (!stopped) showFailure(e.type ? `${e.type}: ${e.message}` : e.message);
    } finally {
      clearInterval(tickTimer);
      running = null;
      if (!stopped) {
        setRunning(false);
        queryState.textContent = '';
        if (!history.hidden) loadHistory();
      }
    }
  }

  async function waitForFinalState(id) {
    let delay = 100;
    for (;;) {
      const { QueryExecution: execution } = await athena('GetQueryExecution', { QueryExecutionId: id });
      if (FINAL_STATES.has(execution.Status.State) || stopped) return execution;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 1.5, 1000);
    }
  }

  async function cancel() {
    if (!running) return;
    running.cancelled = true;
    cancelButton.disabled = true;
    queryState.textContent = 'Cancelling…';
    if (running.id) {
      try {
        await athena('StopQueryExecution', { QueryExecutionId: running.id });
      } catch (e) {
        queryState.textContent = `Cancel failed: ${e.message}`;
      }
    }
  }

  // The execution's result file, as Athena writes it: <id>.csv for a query, <id>.txt (tab-separated,
  // no header) for SHOW, DESCRIBE and EXPLAIN.
  function resultFileName(execution) {
    return `${execution.QueryExecutionId}.${execution.StatementType === 'UTILITY' ? 'txt' : 'csv'}`;
  }

  function statsBar(execution) {
    const stats = execution.Statistics || {};
    const state = execution.Status.State;
    return h('div', { class: 'results-stats' },
      stateBadge(state),
      h('span', { class: 'stat' }, h('span', { class: 'muted' }, 'Run time '), formatMillis(stats.TotalExecutionTimeInMillis)),
      h('span', { class: 'stat' }, h('span', { class: 'muted' }, 'Data scanned '), formatBytes(stats.DataScannedInBytes)),
      h('span', { class: 'stat muted mono', title: 'Query execution id' }, execution.QueryExecutionId),
      h('span', { class: 'spacer' }),
      state === 'SUCCEEDED'
        ? h('a', { class: 'btn btn-secondary btn-small', href: resultsCsvUrl(execution.QueryExecutionId),
                   download: resultFileName(execution) },
          execution.StatementType === 'UTILITY' ? 'Download results (text)' : 'Download results (CSV)')
        : null);
  }

  function showFailure(message) {
    results.dataset.state = 'FAILED';
    clear(results).append(h('div', { class: 'alert alert-error' }, message));
  }

  // Shows a finished execution: its stats, then its rows, or why it failed.
  async function showExecution(execution) {
    const state = execution.Status.State;
    results.dataset.state = state;
    results.dataset.queryId = execution.QueryExecutionId;
    clear(results).append(statsBar(execution));
    if (state === 'FAILED') {
      results.append(h('div', { class: 'alert alert-error' }, execution.Status.StateChangeReason || 'The query failed.'));
      return;
    }
    if (state === 'CANCELLED') {
      results.append(h('div', { class: 'alert alert-warn' }, execution.Status.StateChangeReason || 'The query was cancelled.'));
      return;
    }
    const wrap = h('div', { class: 'grid-wrap' });
    const more = h('div', { class: 'results-more' });
    results.append(wrap, more);
    let table = null;
    let tbody = null;
    let count = 0;
    let numeric = [];
    async function loadPage(token) {
      const page = await athena('GetQueryResults', {
        QueryExecutionId: execution.QueryExecutionId, MaxResults: PAGE_SIZE, ...(token ? { NextToken: token } : {}),
      });
      if (stopped) return;
      const columns = page.ResultSet.ResultSetMetadata.ColumnInfo || [];
      let rows = page.ResultSet.Rows || [];
      // Athena puts the column names in the first row of the first page of a DML query's results.
      if (!token && execution.StatementType === 'DML' && rows.length) rows = rows.slice(1);
      if (!table) {
        numeric = columns.map((c) => NUMERIC_TYPES.test(c.Type || ''));
        tbody = h('tbody');
        table = h('table', { class: 'grid results-grid' },
          h('thead', {}, h('tr', {}, h('th', { class: 'rownum' }, '#'),
            columns.map((c, j) => h('th', { class: numeric[j] ? 'num' : '', title: c.Type }, c.Name)))),
          tbody);
        wrap.append(table);
      }
      const fragment = document.createDocumentFragment();
      for (const row of rows) {
        count += 1;
        fragment.append(h('tr', {}, h('td', { class: 'rownum' }, count),
          row.Data.map((datum, j) => ('VarCharValue' in datum
            ? h('td', { class: numeric[j] ? 'num' : '' }, datum.VarCharValue)
            : h('td', { class: 'null' }, 'NULL')))));
      }
      tbody.append(fragment);
      table.dataset.rowCount = String(count);
      clear(more);
      if (page.NextToken) {
        more.append(h('span', { class: 'muted' }, `${formatNumber(count)} rows shown`),
          h('button', { class: 'btn btn-secondary btn-small', onclick: (event) => {
            event.target.disabled = true;
            loadPage(page.NextToken).catch((e) => more.append(h('span', { class: 'error-text' }, e.message)));
          } }, `Load ${PAGE_SIZE} more`));
      } else {
        more.append(h('span', { class: 'muted' }, count === 1 ? '1 row' : `${formatNumber(count)} rows`));
      }
    }
    try {
      await loadPage(null);
    } catch (e) {
      results.append(h('div', { class: 'alert alert-error' }, e.message));
    }
  }

  async function loadHistory() {
    let executions = [];
    try {
      const { QueryExecutionIds: ids = [] } = await athena('ListQueryExecutions', { MaxResults: 50 });
      if (ids.length) {
        executions = (await athena('BatchGetQueryExecution', { QueryExecutionIds: ids })).QueryExecutions || [];
      }
    } catch (e) {
      clear(history).append(h('div', { class: 'alert alert-error' }, e.message));
      return;
    }
    if (stopped) return;
    executions.sort((a, b) => (b.Status.SubmissionDateTime || 0) - (a.Status.SubmissionDateTime || 0));
    clear(history);
    if (!executions.length) {
      history.append(h('div', { class: 'results-empty' }, 'No queries yet.'));
      return;
    }
    history.append(h('table', { class: 'grid history-grid' },
      h('thead', {}, h('tr', {}, ['State', 'Query', 'Database', 'Submitted', 'Run time', 'Data scanned', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, executions.map((e) => {
        const stats = e.Statistics || {};
        const sql = e.Query.replace(/\s+/g, ' ').trim();
        return h('tr', { class: 'clickable', title: 'Open this query and its results', onclick: () => openExecution(e) },
          h('td', {}, stateBadge(e.Status.State)),
          h('td', { class: 'mono sql-snippet' }, sql.length > 120 ? `${sql.slice(0, 120)}…` : sql),
          h('td', {}, e.QueryExecutionContext?.Database || ''),
          h('td', { class: 'nowrap' }, formatTime(e.Status.SubmissionDateTime)),
          h('td', { class: 'num' }, formatMillis(stats.TotalExecutionTimeInMillis)),
          h('td', { class: 'num' }, formatBytes(stats.DataScannedInBytes)),
          h('td', {}, e.Status.State === 'SUCCEEDED'
            ? h('a', { href: resultsCsvUrl(e.QueryExecutionId), download: resultFileName(e),
                       onclick: (event) => event.stopPropagation() }, e.StatementType === 'UTILITY' ? 'Text' : 'CSV')
            : ''));
      }))));
  }

  async function openExecution(execution) {
    editor.value = execution.Query;
    localStorage.setItem(STORAGE_SQL, editor.value);
    const database = execution.QueryExecutionContext?.Database;
    if (database && [...databaseSelect.options].some((o) => o.value === database)) databaseSelect.value = database;
    showTab('results');
    await showExecution(execution);
  }

  loadCatalog();
  return () => {
    stopped = true;
    clearInterval(tickTimer);
  };
}
