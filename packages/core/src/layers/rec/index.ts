export { type RecCell, type RecStep, splitGates } from './cell.js';
export { type GruCellOptions, gruCell } from './gru-cell.js';
export { type LstmCellOptions, lstmCell, UnitForgetBias } from './lstm-cell.js';
export { Orthogonal, recInitializer } from './orthogonal.js';
export { Rec, type RecArgs, recLayer } from './rec.js';
export { REC_UNITS, RECURRENT_CHECKS, RECURRENT_OPTIONS, type RecUnit, type RecurrentArgs, RecurrentLayer, UNIT_ALIASES } from './recurrent-layer.js';
export { simpleRnnCell } from './simple-rnn-cell.js';
export { RnnCell, rnnCellLayer } from './rnn-cell.js';
export { type InitialStateValue, type RecInitialState, statePartKeys } from './initial-state.js';
