/* Sentences of each loaded report with their character offsets, for showing a figure in its context. */
MODEL (
  name staging.stg_raw__report_sentences,
  kind VIEW,
  grain (report_id, sentence_no)
);

SELECT
  report_id, /* Report the sentence belongs to */
  sentence_no, /* Position of the sentence in the report, from 1 */
  sentence_start, /* Offset of its first character (Python str index) */
  sentence_end, /* Offset just past its last character */
  sentence /* The sentence text */
FROM raw.report_sentences