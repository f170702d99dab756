// The SQL console's catalog tree, from the Glue API: databases → tables → columns with their types,
// nested struct/array/map types unfolded, partition keys marked. Tables load when their database
// is opened; a table's menu previews it (SELECT * ... limit 10).

import { glueAll } from './api.js';
import { clear, h } from './util.js';

// A Glue (Hive) type string as a tree: "array<struct<code:string,severity:int>>" →
// {kind: 'array', element: {kind: 'struct', fields: [{name: 'code', type: {kind: 'string'}}, ...]}}.
export function parseType(text) {
  let pos = 0;
  const peek = () => text[pos];
  const skipSpace = () => { while (pos < text.length && /\s/.test(text[pos])) pos += 1; };
  function name() {
    skipSpace();
    const start = pos;
    while (pos < text.length && !/[<>,:()\s]/.test(text[pos])) pos += 1;
    return text.slice(start, pos);
  }
  function expect(ch) {
    skipSpace();
    if (text[pos] !== ch) throw new Error(`expected "${ch}" at ${pos}`);
    pos += 1;
  }
  function type() {
    const base = name().toLowerCase();
    skipSpace();
    if (base === 'struct' && peek() === '<') {
      expect('<');
      const fields = [];
      skipSpace();
      while (peek() !== '>') {
        const fieldName = name();
        expect(':');
        fields.push({ name: fieldName, type: type() });
        skipSpace();
        if (peek() === ',') pos += 1;
        else break;
      }
      expect('>');
      return { kind: 'struct', fields };
    }
    if (base === 'array' && peek() === '<') {
      expect('<');
      const element = type();
      expect('>');
      return { kind: 'array', element };
    }
    if (base === 'map' && peek() === '<') {
      expect('<');
      const key = type();
      expect(',');
      const value = type();
      expect('>');
      return { kind: 'map', key, value };
    }
    let kind = base;
    if (peek() === '(') {  // decimal(10,2), varchar(255)
      const start = pos;
      while (pos < text.length && text[pos] !== ')') pos += 1;
      pos += 1;
      kind += text.slice(start, pos);
    }
    return { kind };
  }
  try {
    const parsed = type();
    skipSpace();
    if (pos !== text.length) return { kind: text };
    return parsed;
  } catch {
    return { kind: text };
  }
}

// The short form shown beside a column: "struct", "array<struct>", "map<string,int>", "bigint".
export function shortType(t) {
  if (t.kind === 'struct') return 'struct';
  if (t.kind === 'array') return `array<${shortType(t.element)}>`;
  if (t.kind === 'map') return `map<${shortType(t.key)},${shortType(t.value)}>`;
  return t.kind;
}

// The children a type unfolds into: a struct's fields; an array's element's fields; a map's key
// and value.
function typeChildren(t) {
  if (t.kind === 'struct') return t.fields.map((f) => ({ name: f.name, type: f.type }));
  if (t.kind === 'array') return typeChildren(t.element);
  if (t.kind === 'map') return [{ name: 'key', type: t.key }, { name: 'value', type: t.value }];
  return [];
}

const ICONS = { database: '▤', table: '▦', column: '', partition: '' };

function treeNode({ label, kind, detail, title, tag, loadChildren, actions }) {
  const children = h('ul', { class: 'tree-children', hidden: true });
  const twisty = h('span', { class: 'twisty' }, loadChildren ? '▸' : '');
  const row = h('div', { class: `tree-row tree-${kind}`, title: title || '' },
    twisty,
    ICONS[kind] ? h('span', { class: 'tree-icon' }, ICONS[kind]) : null,
    h('span', { class: 'tree-label' }, label),
    tag ? h('span', { class: 'tree-tag' }, tag) : null,
    detail ? h('span', { class: 'tree-detail' }, detail) : null,
    actions || null);
  const node = h('li', { class: 'tree-node' }, row, children);
  let loaded = false;
  async function toggle(force) {
    if (!loadChildren) return;
    const open = force ?? children.hidden;
    children.hidden = !open;
    twisty.textContent = open ? '▾' : '▸';
    node.classList.toggle('open', open);
    if (open && !loaded) {
      loaded = true;
      children.append(h('li', { class: 'tree-loading' }, 'Loading…'));
      try {
        const items = await loadChildren();
        clear(children).append(...(items.length ? items : [h('li', { class: 'tree-empty' }, '(empty)')]));
      } catch (e) {
        loaded = false;
        clear(children).append(h('li', { class: 'tree-error' }, e.message));
      }
    }
  }
  row.addEventListener('click', (event) => {
    if (event.target.closest('.tree-action')) return;
    toggle();
  });
  node.toggle = toggle;
  return node;
}

function columnNode(name, typeText, tag) {
  const type = parseType(typeText || '');
  const nested = typeChildren(type);
  return treeNode({
    label: name,
    kind: 'column',
    detail: shortType(type),
    title: `${name} ${typeText}`,
    tag,
    loadChildren: nested.length ? async () => nested.map((c) => fieldNode(c.name, c.type)) : null,
  });
}

function fieldNode(name, type) {
  const nested = typeChildren(type);
  return treeNode({
    label: name,
    kind: 'column',
    detail: shortType(type),
    loadChildren: nested.length ? async () => nested.map((c) => fieldNode(c.name, c.type)) : null,
  });
}

// options: {onSelectDatabase(name), onPreview(database, table)}. Returns {element, reload()}.
export function createCatalogTree(options) {
  const list = h('ul', { class: 'tree' });
  const filter = h('input', { class: 'input tree-filter', type: 'search', placeholder: 'Filter tables' });
  const element = h('div', { class: 'catalog-tree' }, filter, list);
  let databaseNodes = [];

  filter.addEventListener('input', () => {
    const text = filter.value.trim().toLowerCase();
    for (const row of list.querySelectorAll('.tree-table')) {
      const name = row.querySelector('.tree-label').textContent.toLowerCase();
      row.parentElement.hidden = Boolean(text) && !name.includes(text);
    }
  });

  function tableNode(database, table) {
    const columns = table.StorageDescriptor?.Columns || [];
    const partitions = table.PartitionKeys || [];
    const preview = h('button', {
      class: 'tree-action btn-link', title: `Preview ${database}.${table.Name}`,
      onclick: () => options.onPreview(database, table.Name),
    }, 'Preview');
    return treeNode({
      label: table.Name,
      kind: 'table',
      title: table.StorageDescriptor?.Location || '',
      detail: table.TableType === 'VIRTUAL_VIEW' ? 'view' : '',
      actions: preview,
      loadChildren: async () => [
        ...columns.map((c) => columnNode(c.Name, c.Type)),
        ...partitions.map((c) => columnNode(c.Name, c.Type, 'Partition')),
      ],
    });
  }

  async function reload() {
    clear(list).append(h('li', { class: 'tree-loading' }, 'Loading…'));
    let databases;
    try {
      databases = await glueAll('GetDatabases', {}, 'DatabaseList');
    } catch (e) {
      clear(list).append(h('li', { class: 'tree-error' }, e.message));
      return [];
    }
    databaseNodes = databases.map((db) => {
      const node = treeNode({
        label: db.Name,
        kind: 'database',
        loadChildren: async () => {
          const tables = await glueAll('GetTables', { DatabaseName: db.Name }, 'TableList');
          tables.sort((a, b) => a.Name.localeCompare(b.Name));
          return tables.map((t) => tableNode(db.Name, t));
        },
      });
      node.querySelector('.tree-row').addEventListener('click', () => options.onSelectDatabase(db.Name));
      node.dataset.database = db.Name;
      return node;
    });
    clear(list).append(...(databaseNodes.length ? databaseNodes
      : [h('li', { class: 'tree-empty' }, 'No databases yet: run a crawler.')]));
    return databases.map((db) => db.Name);
  }

  function open(database) {
    databaseNodes.find((n) => n.dataset.database === database)?.toggle(true);
  }

  return { element, reload, open };
}
