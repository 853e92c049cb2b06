# newsdesk: the Telegram bot by default; the index lives in the /data volume.
FROM python:3.11-slim

# The models' one-time ONNX export is cached in the volume too, so a restart starts quickly.
# In a container the webhook server must listen on every interface (the published port).
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 NEWSDESK_HOME=/data NEWSDESK_CACHE=/data/cache NEWSDESK_WEBHOOK_LISTEN=0.0.0.0
WORKDIR /app

# The CPU build of torch first: the project pins torch==2.13.0, and PyPI's Linux wheel
# of that version is the multi-GB CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# Then the package, as the README installs it, at the versions constraints.txt pins
# (`make lock` refreshes it).
COPY pyproject.toml README.md constraints.txt ./
COPY newsdesk ./newsdesk
COPY bot ./bot
COPY retrieval ./retrieval
COPY embeddings ./embeddings
COPY seeds ./seeds
COPY training ./training
RUN pip install -c constraints.txt .

RUN useradd --create-home --uid 10001 newsdesk && mkdir -p /data && chown newsdesk /data
USER newsdesk
VOLUME ["/data"]

# Token and allowlists come from the environment (see docs/telegram.md).
CMD ["newsdesk", "bot"]
