module github.com/vendredi-app/vendredi

go 1.26.8
