"""The command dashboard (指挥大屏): today's figures, trends, ranking, wall screen."""
