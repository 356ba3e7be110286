/** Appends `value` to the list under `key`, creating the list: how outputs and offsets are put together per topic. */
export function appendTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
