//! A restricted unpickler for the published data files.
//!
//! **Pickle files are a known attack vector.** Python's `pickle.load` runs
//! code: a pickle names Python callables (globals) and calls them, so a
//! crafted file can call `os.system` the moment it is loaded. This reader
//! never runs anything. It interprets the data opcodes itself (numbers,
//! strings, bytes, lists, tuples, dicts, the memo) and knows exactly three
//! Python globals, and only as far as they rebuild `float64` / `int64` numpy
//! arrays: `numpy.core.multiarray._reconstruct` (or the numpy 2 spelling
//! `numpy._core.multiarray._reconstruct`), `numpy.ndarray` and `numpy.dtype`.
//! Any other global, and any opcode outside that set, is refused with an
//! error naming it.
//!
//! Malformed input gives an error, never a panic; every length read from the
//! file is checked against the bytes that remain before anything is
//! allocated, and shared objects are not expanded beyond a budget
//! proportional to the input.
//!
//! ```
//! use remul_datasets::{Error, pickle::{self, Value}};
//! // protocol 2: the integer 5
//! assert_eq!(pickle::from_bytes(b"\x80\x02K\x05.", "five.pkl")?, Value::Int(5));
//! // protocol 0 `os.system('echo hi')` is refused before anything is called
//! let evil = b"cos\nsystem\n(S'echo hi'\ntR.";
//! let err = pickle::from_bytes(evil, "evil.pkl").unwrap_err();
//! assert!(matches!(err, Error::ForbiddenGlobal { ref global, .. } if global == "os.system"));
//! # Ok::<(), Error>(())
//! ```

use std::collections::HashMap;
use std::path::Path;

use crate::Error;
use crate::array::{ArrayData, NdArray, element_count};

/// A Python value rebuilt from a pickle.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` that fits in 64 bits.
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `bytes` object.
    Bytes(Vec<u8>),
    /// A `str`.
    Str(String),
    /// A `list`.
    List(Vec<Value>),
    /// A `tuple`.
    Tuple(Vec<Value>),
    /// A `dict`, in insertion order (which is the order Python iterates it).
    Dict(Vec<(Value, Value)>),
    /// A numpy array of `float64` or `int64`.
    Array(NdArray),
}

impl Value {
    /// The Python type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Bool(_) => "bool",
            Self::Int(_) => "int",
            Self::Float(_) => "float",
            Self::Bytes(_) => "bytes",
            Self::Str(_) => "str",
            Self::List(_) => "list",
            Self::Tuple(_) => "tuple",
            Self::Dict(_) => "dict",
            Self::Array(_) => "numpy.ndarray",
        }
    }

    /// The integer, if this is an `int`.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The items, if this is a `list` or a `tuple`.
    pub fn as_sequence(&self) -> Option<&[Value]> {
        match self {
            Self::List(items) | Self::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries in order, if this is a `dict`.
    pub fn as_dict(&self) -> Option<&[(Value, Value)]> {
        match self {
            Self::Dict(entries) => Some(entries),
            _ => None,
        }
    }

    /// The array, if this is a numpy array.
    pub fn as_array(&self) -> Option<&NdArray> {
        match self {
            Self::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// Reads and decodes a pickle file.
pub fn load(path: &Path) -> Result<Value, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(&bytes, &path.display().to_string())
}

/// Decodes a pickle; `name` names the input in errors.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Value, Error> {
    let mut machine = Machine {
        input: bytes,
        pos: 0,
        file: name,
        objects: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    let root = machine.run()?;
    let mut budget = bytes.len().saturating_mul(2).saturating_add(1 << 16);
    machine.freeze(root, 0, &mut budget)
}

/// Deeper nesting than this is refused (it also catches reference cycles).
const MAX_DEPTH: usize = 128;

/// Longest `str` / `bytes` dict key accepted; keys are copied into the
/// dict's index, so this bounds what a repeated memo reference can cost.
const MAX_KEY_LEN: usize = 64;

/// Index of an object in the machine's arena. The stack and the memo hold
/// indices, so a memo reference shares the object as Python does (a `BUILD`
/// on a memoized dtype is seen by every later reference) and costs nothing.
type Id = usize;

/// The numpy globals this reader knows.
#[derive(Clone, Copy, Debug, PartialEq)]
enum NumpyGlobal {
    Reconstruct,
    Ndarray,
    Dtype,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Element {
    F64,
    I64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ByteOrder {
    Little,
    Big,
}

/// A dict key, compared as Python compares these key types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    None,
    Int(i64),
    FloatBits(u64),
    Str(String),
    Bytes(Vec<u8>),
}

#[derive(Debug, Default)]
struct DictObj {
    entries: Vec<(Id, Id)>,
    index: HashMap<Key, usize>,
}

/// An object under construction.
#[derive(Debug)]
enum Obj {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
    Str(String),
    List(Vec<Id>),
    Tuple(Vec<Id>),
    Dict(Box<DictObj>),
    Global(NumpyGlobal),
    Dtype {
        element: Element,
        order: Option<ByteOrder>,
    },
    /// The result of `_reconstruct`, waiting for its `BUILD`.
    PendingArray,
    Array(Box<NdArray>),
}

impl Obj {
    fn type_name(&self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Bool(_) => "bool",
            Self::Int(_) => "int",
            Self::Float(_) => "float",
            Self::Bytes(_) => "bytes",
            Self::Str(_) => "str",
            Self::List(_) => "list",
            Self::Tuple(_) => "tuple",
            Self::Dict(_) => "dict",
            Self::Global(_) => "numpy global",
            Self::Dtype { .. } => "numpy.dtype",
            Self::PendingArray | Self::Array(_) => "numpy.ndarray",
        }
    }
}

struct Machine<'a> {
    input: &'a [u8],
    pos: usize,
    file: &'a str,
    objects: Vec<Obj>,
    stack: Vec<Id>,
    /// Stack heights at each open `MARK`.
    marks: Vec<usize>,
    memo: HashMap<u32, Id>,
}

impl<'a> Machine<'a> {
    fn malformed(&self, offset: usize, reason: impl Into<String>) -> Error {
        Error::Malformed {
            file: self.file.to_owned(),
            offset,
            reason: reason.into(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let input = self.input;
        match input.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(bytes) => {
                self.pos += n;
                Ok(bytes)
            }
            None => Err(Error::Truncated {
                file: self.file.to_owned(),
                offset: input.len(),
            }),
        }
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.take_array::<1>()?[0])
    }

    fn u32_le(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.take_array()?))
    }

    /// A length that must fit in the remaining input (so nothing larger is
    /// ever allocated).
    fn length(&mut self, raw: u64) -> Result<usize, Error> {
        let remaining = self.input.len().saturating_sub(self.pos);
        match usize::try_from(raw) {
            Ok(n) if n <= remaining => Ok(n),
            _ => Err(Error::Truncated {
                file: self.file.to_owned(),
                offset: self.input.len(),
            }),
        }
    }

    /// A text line of the `GLOBAL` opcode, without its newline.
    fn line(&mut self) -> Result<String, Error> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            return Err(Error::Truncated {
                file: self.file.to_owned(),
                offset: self.input.len(),
            });
        };
        let text = String::from_utf8_lossy(&rest[..end]).into_owned();
        self.pos += end + 1;
        Ok(text)
    }

    fn text(&mut self, len: u64, at: usize) -> Result<String, Error> {
        let n = self.length(len)?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.malformed(at, "string is not UTF-8"))
    }

    fn bytes(&mut self, len: u64) -> Result<Vec<u8>, Error> {
        let n = self.length(len)?;
        Ok(self.take(n)?.to_vec())
    }

    fn new_object(&mut self, obj: Obj) -> Id {
        self.objects.push(obj);
        self.objects.len() - 1
    }

    fn push(&mut self, obj: Obj) {
        let id = self.new_object(obj);
        self.stack.push(id);
    }

    /// The lowest stack height the current mark allows popping to.
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self, at: usize) -> Result<Id, Error> {
        if self.stack.len() <= self.fence() {
            return Err(self.malformed(at, "stack underflow"));
        }
        self.stack
            .pop()
            .ok_or_else(|| self.malformed(at, "stack underflow"))
    }

    fn top(&self, at: usize) -> Result<Id, Error> {
        if self.stack.len() <= self.fence() {
            return Err(self.malformed(at, "stack underflow"));
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| self.malformed(at, "stack underflow"))
    }

    /// Pops everything above the innermost mark, and the mark.
    fn pop_mark(&mut self, at: usize) -> Result<Vec<Id>, Error> {
        let Some(mark) = self.marks.pop() else {
            return Err(self.malformed(at, "no MARK to pop to"));
        };
        if mark > self.stack.len() {
            return Err(self.malformed(at, "MARK above the stack top"));
        }
        Ok(self.stack.split_off(mark))
    }

    fn memo_get(&self, key: u32, at: usize) -> Result<Id, Error> {
        self.memo
            .get(&key)
            .copied()
            .ok_or_else(|| self.malformed(at, format!("memo entry {key} is not defined")))
    }

    fn memo_put(&mut self, key: u32, at: usize) -> Result<(), Error> {
        let id = self.top(at)?;
        self.memo.insert(key, id);
        Ok(())
    }

    fn run(&mut self) -> Result<Id, Error> {
        loop {
            let at = self.pos;
            let op = self.byte()?;
            match op {
                // PROTO
                0x80 => {
                    let version = self.byte()?;
                    if !(2..=5).contains(&version) {
                        return Err(self
                            .malformed(at, format!("pickle protocol {version} is not supported")));
                    }
                }
                // FRAME: a buffering hint; the frame's bytes follow inline.
                0x95 => {
                    self.take(8)?;
                }
                b'.' => return self.pop(at),
                b'(' => self.marks.push(self.stack.len()),
                b'}' => self.push(Obj::Dict(Box::default())),
                b']' => self.push(Obj::List(Vec::new())),
                b')' => self.push(Obj::Tuple(Vec::new())),
                b't' => {
                    let items = self.pop_mark(at)?;
                    self.push(Obj::Tuple(items));
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    if self.stack.len() < self.fence() + n {
                        return Err(self.malformed(at, "stack underflow"));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.push(Obj::Tuple(items));
                }
                b'a' => {
                    let item = self.pop(at)?;
                    let list = self.top(at)?;
                    self.extend_list(list, vec![item], at)?;
                }
                b'e' => {
                    let items = self.pop_mark(at)?;
                    let list = self.top(at)?;
                    self.extend_list(list, items, at)?;
                }
                b's' => {
                    let value = self.pop(at)?;
                    let key = self.pop(at)?;
                    let dict = self.top(at)?;
                    self.set_items(dict, &[key, value], at)?;
                }
                b'u' => {
                    let items = self.pop_mark(at)?;
                    if items.len() % 2 != 0 {
                        return Err(self.malformed(at, "SETITEMS with an odd number of items"));
                    }
                    let dict = self.top(at)?;
                    self.set_items(dict, &items, at)?;
                }
                b'J' => {
                    let v = i32::from_le_bytes(self.take_array()?);
                    self.push(Obj::Int(i64::from(v)));
                }
                b'K' => {
                    let v = self.byte()?;
                    self.push(Obj::Int(i64::from(v)));
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.take_array()?);
                    self.push(Obj::Int(i64::from(v)));
                }
                // LONG1, LONG4: little-endian two's complement of any length.
                0x8a | 0x8b => {
                    let raw = if op == 0x8a {
                        u64::from(self.byte()?)
                    } else {
                        u64::from(self.u32_le()?)
                    };
                    let n = self.length(raw)?;
                    let bytes = self.take(n)?;
                    let v = long_to_i64(bytes)
                        .ok_or_else(|| self.malformed(at, "integer does not fit in 64 bits"))?;
                    self.push(Obj::Int(v));
                }
                b'N' => self.push(Obj::None),
                0x88 => self.push(Obj::Bool(true)),
                0x89 => self.push(Obj::Bool(false)),
                b'G' => {
                    let v = f64::from_be_bytes(self.take_array()?);
                    self.push(Obj::Float(v));
                }
                0x8c => {
                    let n = u64::from(self.byte()?);
                    let s = self.text(n, at)?;
                    self.push(Obj::Str(s));
                }
                b'X' => {
                    let n = u64::from(self.u32_le()?);
                    let s = self.text(n, at)?;
                    self.push(Obj::Str(s));
                }
                0x8d => {
                    let n = u64::from_le_bytes(self.take_array()?);
                    let s = self.text(n, at)?;
                    self.push(Obj::Str(s));
                }
                b'C' => {
                    let n = u64::from(self.byte()?);
                    let b = self.bytes(n)?;
                    self.push(Obj::Bytes(b));
                }
                b'B' => {
                    let n = u64::from(self.u32_le()?);
                    let b = self.bytes(n)?;
                    self.push(Obj::Bytes(b));
                }
                0x8e => {
                    let n = u64::from_le_bytes(self.take_array()?);
                    let b = self.bytes(n)?;
                    self.push(Obj::Bytes(b));
                }
                0x94 => {
                    let key = u32::try_from(self.memo.len())
                        .map_err(|_| self.malformed(at, "memo too large"))?;
                    self.memo_put(key, at)?;
                }
                b'q' => {
                    let key = u32::from(self.byte()?);
                    self.memo_put(key, at)?;
                }
                b'r' => {
                    let key = self.u32_le()?;
                    self.memo_put(key, at)?;
                }
                b'h' => {
                    let key = u32::from(self.byte()?);
                    let id = self.memo_get(key, at)?;
                    self.stack.push(id);
                }
                b'j' => {
                    let key = self.u32_le()?;
                    let id = self.memo_get(key, at)?;
                    self.stack.push(id);
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let global = self.resolve(&module, &name)?;
                    self.push(Obj::Global(global));
                }
                0x93 => {
                    let name = self.pop(at)?;
                    let module = self.pop(at)?;
                    let (Obj::Str(module), Obj::Str(name)) =
                        (&self.objects[module], &self.objects[name])
                    else {
                        return Err(self.malformed(at, "STACK_GLOBAL needs two strings"));
                    };
                    let global = self.resolve(module, name)?;
                    self.push(Obj::Global(global));
                }
                b'R' => {
                    let args = self.pop(at)?;
                    let callable = self.pop(at)?;
                    let result = self.reduce(callable, args, at)?;
                    self.push(result);
                }
                b'b' => {
                    let state = self.pop(at)?;
                    let target = self.top(at)?;
                    self.build(target, state, at)?;
                }
                b'0' => {
                    // As CPython: a mark on top is popped instead of an object.
                    if self.marks.last() == Some(&self.stack.len()) {
                        self.marks.pop();
                    } else {
                        self.pop(at)?;
                    }
                }
                b'1' => {
                    self.pop_mark(at)?;
                }
                b'2' => {
                    let id = self.top(at)?;
                    self.stack.push(id);
                }
                other => {
                    return Err(Error::UnsupportedOpcode {
                        file: self.file.to_owned(),
                        name: opcode_name(other),
                        byte: other,
                        offset: at,
                    });
                }
            }
        }
    }

    fn resolve(&self, module: &str, name: &str) -> Result<NumpyGlobal, Error> {
        match (module, name) {
            ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct") => {
                Ok(NumpyGlobal::Reconstruct)
            }
            ("numpy", "ndarray") => Ok(NumpyGlobal::Ndarray),
            ("numpy", "dtype") => Ok(NumpyGlobal::Dtype),
            _ => {
                // A hostile name could be huge; the error only needs its start.
                let mut global: String = format!("{module}.{name}").chars().take(120).collect();
                if global.len() < module.len() + name.len() + 1 {
                    global.push('…');
                }
                Err(Error::ForbiddenGlobal {
                    file: self.file.to_owned(),
                    global,
                })
            }
        }
    }

    fn extend_list(&mut self, list: Id, items: Vec<Id>, at: usize) -> Result<(), Error> {
        match &mut self.objects[list] {
            Obj::List(existing) => {
                existing.extend(items);
                Ok(())
            }
            other => {
                let kind = other.type_name();
                Err(self.malformed(at, format!("APPEND to a {kind}, not a list")))
            }
        }
    }

    fn key_of(&self, id: Id, at: usize) -> Result<Key, Error> {
        let key = match &self.objects[id] {
            Obj::None => Key::None,
            Obj::Bool(b) => Key::Int(i64::from(*b)),
            Obj::Int(i) => Key::Int(*i),
            // Python: 1.0 == 1, so they are the same key.
            Obj::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Key::Int(*f as i64),
            Obj::Float(f) => Key::FloatBits(f.to_bits()),
            Obj::Str(s) if s.len() <= MAX_KEY_LEN => Key::Str(s.clone()),
            Obj::Bytes(b) if b.len() <= MAX_KEY_LEN => Key::Bytes(b.clone()),
            other => {
                let kind = other.type_name();
                return Err(self.malformed(at, format!("dict key of type {kind} is not supported")));
            }
        };
        Ok(key)
    }

    fn set_items(&mut self, dict: Id, pairs: &[Id], at: usize) -> Result<(), Error> {
        let keys = pairs
            .chunks_exact(2)
            .map(|pair| self.key_of(pair[0], at))
            .collect::<Result<Vec<_>, _>>()?;
        let Obj::Dict(d) = &mut self.objects[dict] else {
            let kind = self.objects[dict].type_name();
            return Err(self.malformed(at, format!("SETITEM on a {kind}, not a dict")));
        };
        for (key, pair) in keys.into_iter().zip(pairs.chunks_exact(2)) {
            let (k, v) = (pair[0], pair[1]);
            match d.index.get(&key) {
                // Python keeps the first position and the last value.
                Some(&i) => d.entries[i].1 = v,
                None => {
                    d.index.insert(key, d.entries.len());
                    d.entries.push((k, v));
                }
            }
        }
        Ok(())
    }

    fn tuple_items(&self, id: Id) -> Option<&[Id]> {
        match &self.objects[id] {
            Obj::Tuple(items) => Some(items),
            _ => None,
        }
    }

    fn reduce(&self, callable: Id, args: Id, at: usize) -> Result<Obj, Error> {
        let args = self
            .tuple_items(args)
            .ok_or_else(|| self.malformed(at, "REDUCE arguments are not a tuple"))?;
        match &self.objects[callable] {
            Obj::Global(NumpyGlobal::Reconstruct) => {
                // numpy writes _reconstruct(ndarray, (0,), b'b'); only the
                // class matters, BUILD supplies shape, dtype and data.
                match args.first().map(|&a| &self.objects[a]) {
                    Some(Obj::Global(NumpyGlobal::Ndarray)) if args.len() == 3 => {
                        Ok(Obj::PendingArray)
                    }
                    _ => Err(self.malformed(
                        at,
                        "numpy _reconstruct called with arguments other than (ndarray, shape, dtype)",
                    )),
                }
            }
            Obj::Global(NumpyGlobal::Dtype) => {
                let name = match args.first().map(|&a| &self.objects[a]) {
                    Some(Obj::Str(s)) => s.as_str(),
                    _ => return Err(self.malformed(at, "numpy.dtype called without a type name")),
                };
                let element = match name {
                    "f8" | "<f8" | "float64" => Element::F64,
                    "i8" | "<i8" | "int64" => Element::I64,
                    other => {
                        let shown: String = other.chars().take(40).collect();
                        return Err(self.malformed(
                            at,
                            format!(
                                "numpy dtype '{shown}' is not supported (only float64 and int64)"
                            ),
                        ));
                    }
                };
                Ok(Obj::Dtype {
                    element,
                    order: None,
                })
            }
            Obj::Global(NumpyGlobal::Ndarray) => {
                Err(self.malformed(at, "calling numpy.ndarray directly is not supported"))
            }
            other => {
                let kind = other.type_name();
                Err(self.malformed(at, format!("REDUCE calls a {kind}, not a numpy global")))
            }
        }
    }

    fn build(&mut self, target: Id, state: Id, at: usize) -> Result<(), Error> {
        let state_items = self
            .tuple_items(state)
            .ok_or_else(|| self.malformed(at, "BUILD state is not a tuple"))?;
        let built = match &self.objects[target] {
            Obj::Dtype { element, .. } => {
                // (version, byte order, subarray, names, fields, elsize, alignment, flags)
                let order = match state_items.get(1).map(|&s| &self.objects[s]) {
                    Some(Obj::Str(s)) if s == "<" => ByteOrder::Little,
                    Some(Obj::Str(s)) if s == ">" => ByteOrder::Big,
                    _ => {
                        return Err(
                            self.malformed(at, "numpy dtype state without a '<' or '>' byte order")
                        );
                    }
                };
                Obj::Dtype {
                    element: *element,
                    order: Some(order),
                }
            }
            Obj::PendingArray => {
                let array = self.array_from_state(state_items, at)?;
                Obj::Array(Box::new(array))
            }
            other => {
                let kind = other.type_name();
                return Err(self.malformed(at, format!("BUILD on a {kind} is not supported")));
            }
        };
        self.objects[target] = built;
        Ok(())
    }

    /// numpy's `ndarray.__setstate__`: `([version,] shape, dtype, is_fortran, raw bytes)`.
    fn array_from_state(&self, state: &[Id], at: usize) -> Result<NdArray, Error> {
        let fields = match state.len() {
            5 => &state[1..],
            4 => state,
            n => {
                return Err(
                    self.malformed(at, format!("numpy array state has {n} fields, not 4 or 5"))
                );
            }
        };
        let shape = self
            .tuple_items(fields[0])
            .ok_or_else(|| self.malformed(at, "numpy array shape is not a tuple"))?
            .iter()
            .map(|&d| match &self.objects[d] {
                Obj::Int(n) => usize::try_from(*n).ok(),
                _ => None,
            })
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| {
                self.malformed(at, "numpy array shape is not a tuple of non-negative ints")
            })?;
        let (element, order) = match &self.objects[fields[1]] {
            Obj::Dtype {
                element,
                order: Some(order),
            } => (*element, *order),
            Obj::Dtype { order: None, .. } => {
                return Err(self.malformed(at, "numpy dtype has no byte order (no BUILD)"));
            }
            other => {
                let kind = other.type_name();
                return Err(self.malformed(at, format!("numpy array dtype is a {kind}")));
            }
        };
        let fortran = match &self.objects[fields[2]] {
            Obj::Bool(b) => *b,
            Obj::Int(i) => *i != 0,
            _ => return Err(self.malformed(at, "numpy array order flag is not a bool")),
        };
        if fortran && shape.len() > 1 {
            return Err(self.malformed(at, "Fortran-ordered numpy arrays are not supported"));
        }
        let Obj::Bytes(raw) = &self.objects[fields[3]] else {
            return Err(self.malformed(at, "numpy array data is not raw bytes"));
        };
        let needed = element_count(&shape).and_then(|n| n.checked_mul(8));
        if needed != Some(raw.len()) {
            return Err(self.malformed(
                at,
                format!(
                    "numpy array of shape {shape:?} needs {} bytes, the pickle holds {}",
                    needed.map_or_else(|| "too many".to_owned(), |n| n.to_string()),
                    raw.len()
                ),
            ));
        }
        let words = raw.chunks_exact(8).map(|c| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            w
        });
        let data = match (element, order) {
            (Element::F64, ByteOrder::Little) => {
                ArrayData::F64(words.map(f64::from_le_bytes).collect())
            }
            (Element::F64, ByteOrder::Big) => {
                ArrayData::F64(words.map(f64::from_be_bytes).collect())
            }
            (Element::I64, ByteOrder::Little) => {
                ArrayData::I64(words.map(i64::from_le_bytes).collect())
            }
            (Element::I64, ByteOrder::Big) => {
                ArrayData::I64(words.map(i64::from_be_bytes).collect())
            }
        };
        NdArray::new(shape, data)
            .ok_or_else(|| self.malformed(at, "numpy array shape does not match its data"))
    }

    /// Turns the object graph into an owned tree, charging each node and
    /// payload byte against `budget` so that shared references cannot expand
    /// a small file into a huge value.
    fn freeze(&self, id: Id, depth: usize, budget: &mut usize) -> Result<Value, Error> {
        let end = self.input.len();
        if depth > MAX_DEPTH {
            return Err(self.malformed(
                end,
                format!("values nested deeper than {MAX_DEPTH} levels (or a reference cycle)"),
            ));
        }
        let obj = &self.objects[id];
        let payload = match obj {
            Obj::Bytes(b) => b.len(),
            Obj::Str(s) => s.len(),
            Obj::Array(a) => a.data().len().saturating_mul(8),
            _ => 0,
        };
        *budget = budget
            .checked_sub(payload.saturating_add(1))
            .ok_or_else(|| {
                self.malformed(
                    end,
                    "shared objects expand to far more data than the file holds",
                )
            })?;
        let seq = |items: &[Id], budget: &mut usize| {
            items
                .iter()
                .map(|&i| self.freeze(i, depth + 1, budget))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(match obj {
            Obj::None => Value::None,
            Obj::Bool(b) => Value::Bool(*b),
            Obj::Int(i) => Value::Int(*i),
            Obj::Float(f) => Value::Float(*f),
            Obj::Bytes(b) => Value::Bytes(b.clone()),
            Obj::Str(s) => Value::Str(s.clone()),
            Obj::List(items) => Value::List(seq(items, budget)?),
            Obj::Tuple(items) => Value::Tuple(seq(items, budget)?),
            Obj::Dict(d) => Value::Dict(
                d.entries
                    .iter()
                    .map(|&(k, v)| {
                        Ok((
                            self.freeze(k, depth + 1, budget)?,
                            self.freeze(v, depth + 1, budget)?,
                        ))
                    })
                    .collect::<Result<Vec<_>, Error>>()?,
            ),
            Obj::Array(a) => Value::Array((**a).clone()),
            Obj::Global(_) | Obj::Dtype { .. } => {
                return Err(self.malformed(end, "a bare numpy global or dtype is not a data value"));
            }
            Obj::PendingArray => {
                return Err(self.malformed(end, "numpy array was never filled (no BUILD)"));
            }
        })
    }
}

/// A little-endian two's-complement integer, if it fits in an `i64`.
fn long_to_i64(bytes: &[u8]) -> Option<i64> {
    let Some(&last) = bytes.last() else {
        return Some(0);
    };
    let fill = if last & 0x80 != 0 { 0xff } else { 0x00 };
    if bytes.len() > 8 {
        // Longer encodings are fine if the extra bytes only repeat the sign.
        let (low, high) = bytes.split_at(8);
        if high.iter().any(|&b| b != fill) || (low[7] & 0x80 != 0) != (fill == 0xff) {
            return None;
        }
        return long_to_i64(low);
    }
    let mut word = [fill; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    Some(i64::from_le_bytes(word))
}

/// The name `pickletools` gives an opcode byte.
fn opcode_name(byte: u8) -> &'static str {
    match byte {
        b'(' => "MARK",
        b'.' => "STOP",
        b'0' => "POP",
        b'1' => "POP_MARK",
        b'2' => "DUP",
        b'F' => "FLOAT",
        b'I' => "INT",
        b'J' => "BININT",
        b'K' => "BININT1",
        b'L' => "LONG",
        b'M' => "BININT2",
        b'N' => "NONE",
        b'P' => "PERSID",
        b'Q' => "BINPERSID",
        b'R' => "REDUCE",
        b'S' => "STRING",
        b'T' => "BINSTRING",
        b'U' => "SHORT_BINSTRING",
        b'V' => "UNICODE",
        b'X' => "BINUNICODE",
        b'a' => "APPEND",
        b'b' => "BUILD",
        b'c' => "GLOBAL",
        b'd' => "DICT",
        b'}' => "EMPTY_DICT",
        b'e' => "APPENDS",
        b'g' => "GET",
        b'h' => "BINGET",
        b'i' => "INST",
        b'j' => "LONG_BINGET",
        b'l' => "LIST",
        b']' => "EMPTY_LIST",
        b'o' => "OBJ",
        b'p' => "PUT",
        b'q' => "BINPUT",
        b'r' => "LONG_BINPUT",
        b's' => "SETITEM",
        b't' => "TUPLE",
        b')' => "EMPTY_TUPLE",
        b'u' => "SETITEMS",
        b'G' => "BINFLOAT",
        b'B' => "BINBYTES",
        b'C' => "SHORT_BINBYTES",
        0x80 => "PROTO",
        0x81 => "NEWOBJ",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x85 => "TUPLE1",
        0x86 => "TUPLE2",
        0x87 => "TUPLE3",
        0x88 => "NEWTRUE",
        0x89 => "NEWFALSE",
        0x8a => "LONG1",
        0x8b => "LONG4",
        0x8c => "SHORT_BINUNICODE",
        0x8d => "BINUNICODE8",
        0x8e => "BINBYTES8",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x92 => "NEWOBJ_EX",
        0x93 => "STACK_GLOBAL",
        0x94 => "MEMOIZE",
        0x95 => "FRAME",
        0x96 => "BYTEARRAY8",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_integers_decode_as_python_does() {
        assert_eq!(long_to_i64(&[]), Some(0));
        assert_eq!(long_to_i64(&[0xff]), Some(-1));
        assert_eq!(long_to_i64(&[0x00, 0x01]), Some(256));
        assert_eq!(long_to_i64(&[0xff, 0x7f]), Some(32767));
        assert_eq!(long_to_i64(&[0x00, 0x80]), Some(-32768));
        assert_eq!(long_to_i64(&[0xff; 12]), Some(-1));
        assert_eq!(long_to_i64(&[0, 0, 0, 0, 0, 0, 0, 0, 1]), None);
        // 2^63 needs a ninth byte 0x00 and does not fit
        assert_eq!(long_to_i64(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0]), None);
    }

    #[test]
    fn memo_references_share_one_object() {
        // EMPTY_LIST MEMOIZE, BINGET 0, APPEND → the list contains itself:
        // freezing must stop at the depth limit, not overflow the stack.
        let cyclic = b"\x80\x04]\x94h\x00a.";
        let err = from_bytes(cyclic, "cycle.pkl").unwrap_err();
        assert!(err.to_string().contains("deeper than"), "{err}");
    }
}
