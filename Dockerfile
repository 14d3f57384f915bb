FROM python:3.11-slim-bookworm
# WeasyPrint needs Pango; fonts come from Debian, never from the web.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
      fonts-dejavu-core fonts-liberation2 curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
COPY pyproject.toml README.md ./
COPY config ./config
COPY engagement ./engagement
COPY kpis ./kpis
RUN pip install --no-cache-dir .
COPY . .
# The SOW check's learned model, trained once here rather than by each web worker.
RUN DJANGO_SETTINGS_MODULE=config.settings.local python manage.py build_sow_model
RUN useradd --create-home offramp && mkdir -p /data/media && chown -R offramp /data /app
USER offramp
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
