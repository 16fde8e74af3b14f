"""Cases: what RETURNN's 12AX demos (demos/demo-tf-*.12ax.config) use beyond the other cases: the rec unit
NativeLstmLowMem (one W for input and recurrent rows), a BasicLSTM unrolled for max_seq_len frames
(unroll, max_seq_len: RETURNN pads to max_seq_len and runs static_rnn), and time_unchunking of two
sources (demo-tf-chunking-blstm: "from": ["fw2", "bw2"])."""
from .basic import c

CASES = [
    c("rec_native_lstm_lowmem", {"output": {"class": "rec", "unit": "NativeLstmLowMem", "n_out": 3, "from": "data"}}),
    c("rec_native_lstm_lowmem_bwd", {"output": {"class": "rec", "unit": "NativeLstmLowMem", "direction": -1, "n_out": 3, "from": "data"}}),
    c("rec_basiclstm_unroll_max_seq_len", {"output": {"class": "rec", "unit": "BasicLSTM", "unroll": True, "max_seq_len": 9, "n_out": 3,
                                                      "from": "data"}}),
    c("time_unchunking_two_sources", {
        "chunks": {"class": "time_chunking", "chunk_size": 4, "chunk_step": 2, "from": "data"},
        "fw": {"class": "rec", "unit": "BasicLSTM", "n_out": 3, "from": "chunks"},
        "bw": {"class": "rec", "unit": "BasicLSTM", "n_out": 2, "direction": -1, "from": "chunks"},
        "output": {"class": "time_unchunking", "chunking_layer": "chunks", "from": ["fw", "bw"]},
    }),
]
