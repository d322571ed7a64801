"""The public data dashboard (数据驱动分析), /api/v1/stats and the topic list as CSV."""
