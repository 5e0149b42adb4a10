# Production image: gunicorn web, Celery worker and beat share it (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango and HarfBuzz; gettext compiles the English translation.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core gettext curl \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 modig
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs settings that import; these build-time values are never used at run time.
RUN DEBUG=true python manage.py compilemessages --ignore=.venv -v 0 \
 && DEBUG=true python manage.py collectstatic --no-input -v 0 \
 && mkdir -p /data/media && chown -R modig /data /app
USER modig
EXPOSE 8000
CMD ["gunicorn", "modig.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
