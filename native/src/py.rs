//! The Python module `lb_export_pipeline._native`: a thin layer over [`crate::scan`].
//!
//! Record batches cross into pyarrow through the Arrow PyCapsule interface (`__arrow_c_array__`,
//! `__arrow_c_schema__`): pyarrow takes over the Rust buffers, nothing is copied. Waiting for the
//! walker threads happens with the GIL released, so Python threads (the Parquet encoders) run
//! meanwhile. A panic never crosses into Python: the walker quarantines the line, the threads report
//! it as an error, and this layer catches any other one and raises RuntimeError.

use std::collections::HashMap;
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Duration;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_schema::SchemaRef;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict, PyList, PyTuple};

use crate::reader::{BlockReader, ReadError};
use crate::scan::{Next, Scan, ScanChunk, ScanOptions};
use crate::tables::{table_schemas, TABLE_NAMES};
use crate::walk::WalkOptions;

// Declared once, in Python, where callers catch them.
pyo3::import_exception!(lb_export_pipeline.flatten.reader, NotNdjsonError);
pyo3::import_exception!(lb_export_pipeline.flatten.reader, CorruptGzipError);
pyo3::import_exception!(lb_export_pipeline.flatten.errors, ProjectExportError);

const SCHEMA_CAPSULE: &CStr = c"arrow_schema";
const ARRAY_CAPSULE: &CStr = c"arrow_array";

fn read_error(e: ReadError, path: &Path) -> PyErr {
    match e {
        ReadError::NotNdjson(m) => NotNdjsonError::new_err(m),
        ReadError::CorruptGzip(m) => CorruptGzipError::new_err(m),
        ReadError::ProjectExport(m) => ProjectExportError::new_err(format!("{}: {m}", path.display())),
        ReadError::Io(e) => PyOSError::new_err(e.to_string()),
    }
}

fn guarded<T>(what: &str, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(PyRuntimeError::new_err(format!("internal error in {what}"))))
}

fn schema_capsule<'py>(py: Python<'py>, schema: &arrow_schema::Schema) -> PyResult<Bound<'py, PyCapsule>> {
    let ffi = FFI_ArrowSchema::try_from(schema).map_err(|e| PyValueError::new_err(e.to_string()))?;
    PyCapsule::new_with_value(py, ffi, SCHEMA_CAPSULE)
}

/// One table's rows of one chunk, exported to pyarrow without a copy (`pyarrow.record_batch(b)`).
#[pyclass(frozen, module = "lb_export_pipeline._native")]
struct Batch {
    batch: RecordBatch,
}

#[pymethods]
impl Batch {
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let _ = requested_schema; // the batch has its one schema
        guarded("the Arrow export", || {
            let schema = schema_capsule(py, self.batch.schema().as_ref())?;
            let array = StructArray::from(self.batch.clone()).into_data();
            let array = PyCapsule::new_with_value(py, FFI_ArrowArray::new(&array), ARRAY_CAPSULE)?;
            PyTuple::new(py, [schema.into_any(), array.into_any()])
        })
    }
}

/// A table schema, exported to pyarrow (`pyarrow.schema(s)`).
#[pyclass(frozen, module = "lb_export_pipeline._native")]
struct Schema {
    schema: SchemaRef,
}

#[pymethods]
impl Schema {
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, self.schema.as_ref())
    }
}

/// A flatten of one export file running on threads of this process.
#[pyclass(module = "lb_export_pipeline._native")]
struct Scanner {
    path: PathBuf,
    scan: Option<Scan>,
    /// Progress when the scan ended (the threads are gone by then).
    last_progress: (u64, u64),
}

#[pymethods]
impl Scanner {
    #[new]
    #[pyo3(signature = (path, *, threads=1, block_bytes=1<<20, flush_bytes=16<<20, only_model_run=None, splits=None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        threads: usize,
        block_bytes: usize,
        flush_bytes: usize,
        only_model_run: Option<String>,
        splits: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        let options = ScanOptions {
            threads,
            block_bytes,
            flush_bytes,
            walk: WalkOptions { only_model_run, splits },
        };
        let scan = py.detach(|| {
            guarded("the export reader", || {
                Scan::start(&path, options).map_err(|e| read_error(e, &path))
            })
        })?;
        Ok(Scanner {
            path,
            scan: Some(scan),
            last_progress: (0, 0),
        })
    }

    /// The next chunk, or None when none came within `timeout` seconds or the scan is over
    /// (`done`). The GIL is released while waiting.
    fn next_chunk<'py>(&mut self, py: Python<'py>, timeout: f64) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some(scan) = self.scan.as_mut() else {
            return Ok(None);
        };
        let wait = Duration::from_secs_f64(timeout.max(0.0));
        let path = &self.path;
        let next = py.detach(|| {
            guarded("the native flatten", || {
                scan.next_chunk(wait).map_err(|e| read_error(e, path))
            })
        });
        match next {
            Ok(Next::Chunk(chunk)) => chunk_to_python(py, *chunk).map(Some),
            Ok(Next::Waiting) => Ok(None),
            Ok(Next::Done) => {
                self.last_progress = scan.progress();
                self.scan = None;
                Ok(None)
            }
            Err(e) => {
                self.close(py);
                Err(e)
            }
        }
    }

    /// True once every chunk was handed out (or the scan was closed).
    #[getter]
    fn done(&self) -> bool {
        self.scan.is_none()
    }

    /// (input bytes, lines) walked so far.
    fn progress(&self) -> (u64, u64) {
        self.scan.as_ref().map_or(self.last_progress, Scan::progress)
    }

    /// Stops and joins the threads (also done when the object is freed).
    fn close(&mut self, py: Python<'_>) {
        if let Some(mut scan) = self.scan.take() {
            self.last_progress = scan.progress();
            py.detach(move || scan.stop());
        }
    }
}

/// (worker, lines, [(run_id, [Batch | None] * 6)], [(line, field, reason, [run], raw)], {run: lines})
fn chunk_to_python(py: Python<'_>, chunk: ScanChunk) -> PyResult<Bound<'_, PyTuple>> {
    let partitions = PyList::empty(py);
    for (run, batches) in chunk.partitions {
        let tables = PyList::empty(py);
        for batch in batches {
            if batch.num_rows() == 0 {
                tables.append(py.None())?;
            } else {
                tables.append(Bound::new(py, Batch { batch })?)?;
            }
        }
        partitions.append((run, tables))?;
    }
    let quarantine = PyList::empty(py);
    for q in chunk.quarantine {
        let raw = PyBytes::new(py, &q.raw);
        quarantine.append((q.line, q.field, q.reason, q.runs, raw))?;
    }
    let skipped = PyDict::new(py);
    for (run, n) in chunk.skipped_runs {
        skipped.set_item(run, n)?;
    }
    (chunk.worker, chunk.lines, partitions, quarantine, skipped).into_pyobject(py)
}

/// Reads `path` as the walkers would get it (gzip decompressed) without walking it:
/// (input bytes, decompressed bytes, lines). The read stage of the benchmarks.
#[pyfunction]
fn read_only(py: Python<'_>, path: PathBuf) -> PyResult<(u64, u64, u64)> {
    py.detach(|| {
        guarded("the export reader", || {
            let mut reader = BlockReader::open(&path, 1 << 20).map_err(|e| read_error(e, &path))?;
            let (mut input, mut output, mut lines) = (0, 0, 0);
            while let Some(block) = reader.next_block().map_err(|e| read_error(e, &path))? {
                input += block.input_bytes;
                output += block.data.len() as u64;
                lines += memchr::memchr_iter(b'\n', &block.data).count() as u64;
            }
            Ok((input, output, lines))
        })
    })
}

/// The six tables' schemas as the native core builds them, in TABLE_NAMES order.
#[pyfunction(name = "table_schemas")]
fn py_table_schemas(py: Python<'_>) -> PyResult<Vec<Bound<'_, Schema>>> {
    table_schemas()
        .into_iter()
        .map(|schema| Bound::new(py, Schema { schema }))
        .collect()
}

#[pymodule]
#[pyo3(name = "_native")]
fn native_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("TABLE_NAMES", TABLE_NAMES.to_vec())?;
    m.add_class::<Batch>()?;
    m.add_class::<Schema>()?;
    m.add_class::<Scanner>()?;
    m.add_function(wrap_pyfunction!(py_table_schemas, m)?)?;
    m.add_function(wrap_pyfunction!(read_only, m)?)?;
    m.add_function(wrap_pyfunction!(crate::eval::py::overlapping_pairs, m)?)?;
    Ok(())
}
