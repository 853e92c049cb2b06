"""The reader's training: train and export it (train_reader), distil across depths and tokenizers,
the open setting's passages and grouped loss, fit its answer calibration, convert and average
readers, and the news benchmark's questions as training data. Run a module with
``python -m newsdesk.training.NAME --help``."""
