// Reads the shard files of an explain-dataset run with hyparquet — an independent Parquet implementation in JavaScript,
// not the Parquet.Net that wrote them — and prints the run's content digest computed from the values it read, with the
// byte layout docs/scale-out.md states: per row in sample order, sample_id, label and prediction as int64, then per
// method (the manifest's order) its float32 values and, for integrated gradients, its float64 delta, all little-endian.
// .ci/slurm-dataset compares it with the digest `attrdsl gather-dataset` printed: equal digests mean another reader sees
// every value bit for bit as AttrDsl wrote it (the way pandas or pyarrow would read the folder).
// Usage: node .ci/parquet-digest.mjs <shard folder>
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'

const dir = process.argv[2]
if (!dir) { console.error('usage: node parquet-digest.mjs <shard folder>'); process.exit(2) }
const files = readdirSync(dir).filter(f => /^shard-\d+-of-\d+\.parquet$/.test(f)).sort()
if (files.length === 0) { console.error(`no shard files in ${dir}`); process.exit(1) }

const sha = createHash('sha256')
const int64 = Buffer.alloc(8)
let next = 0n
let rows = 0
for (const name of files) {
  const file = await asyncBufferFromFile(join(dir, name))
  const metadata = await parquetMetadataAsync(file)
  const entry = (metadata.key_value_metadata ?? []).find(kv => kv.key === 'attrdsl.manifest')
  if (!entry) throw new Error(`${name}: no attrdsl.manifest metadata`)
  const methods = JSON.parse(entry.value).methods
  for (const row of await parquetReadObjects({ file, utf8: false })) {
    if (BigInt(row.sample_id) !== next) throw new Error(`${name}: sample ${row.sample_id} where ${next} was expected`)
    next++
    for (const column of ['sample_id', 'label', 'prediction']) {
      int64.writeBigInt64LE(BigInt(row[column]))
      sha.update(int64)
    }
    for (const method of methods) {
      const values = row[method]
      if (!Array.isArray(values)) throw new Error(`${name}: row ${row.sample_id} has no list in column ${method}`)
      sha.update(Buffer.from(Float32Array.from(values).buffer))
      if (method === 'integrated_gradients') {
        const delta = Buffer.alloc(8)
        delta.writeDoubleLE(row[`${method}_delta`])
        sha.update(delta)
      }
    }
    rows++
  }
}
console.log(`${rows} rows in ${files.length} shard files read with hyparquet; content digest sha256:${sha.digest('hex')}`)
