/** PyTorch `.pth` checkpoints → state_dicts, through a restricted unpickler that never executes code. */
export { readStateDict, findStateDict, loadCheckpoint, STATE_DICT_KEYS, type ReadStateDictOptions } from './read.ts';
export type { ByteInput } from './byte_input.ts';
export { halfToFloat, STORAGE_TYPES, type PthTensor, type TensorData, type TorchDtype } from './tensors.ts';
export { unpickle, PyDict, PyGlobal, PySet, PyTuple, type PyValue } from './pickle.ts';
